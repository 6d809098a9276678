"""One emulated Panorama: its own configuration (templates, template stacks) with the
firewall's change log and admin-scoped commits, the firewalls it manages, template imports
and ``commit-all`` push jobs with a result per device.

Panorama shares the firewall's configuration engine (a Panorama is a PAN-OS device: same
config API, same partial commits, same job polling), so it is a :class:`Firewall` with a
Panorama model and three additions: managed devices, templates and pushes.
Sources are listed in docs/sandbox-fidelity.md ("## Panorama").
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree

from pancert.sandbox.ca import SandboxCA
from pancert.sandbox.firewall import tree
from pancert.sandbox.firewall.certs import (
    CertificateOpError,
    check_name,
    load_chain,
    public_der,
    signed_entry,
)
from pancert.sandbox.firewall.changes import Change
from pancert.sandbox.firewall.firewall import Firewall
from pancert.sandbox.firewall.replies import ApiError
from pancert.sandbox.firewall.settings import FirewallSettings

PANORAMA_NAME_LIMIT = 31
"""Panorama object names stop at 31 characters, template objects included (panos.md §6)."""
TEMPLATE = "T-fleet"
STACK = "TS-fleet"
PANORAMA_ADMIN = "panadmin"
TEMPLATE_PROFILE = "gp-portal-tls"
"""An SSL/TLS service profile of the template, for a template certificate to bind to."""


def template_xpath(template: str) -> str:
    return f"{tree.DEVICE}/template/entry[@name='{template}']"


def template_certificates(template: str, location: str) -> str:
    """Where a template keeps certificates: its ``shared`` or one vsys (panos.md §3)."""
    base = f"{template_xpath(template)}/config"
    if location == "shared":
        return f"{base}/shared/certificate"
    return f"{base}{tree.DEVICE.removeprefix('/config')}/vsys/entry[@name='{location}']/certificate"


@dataclass
class ManagedDevice:
    """A firewall Panorama manages; the switches are the ``/_sandbox/devices`` ones."""

    serial: str
    hostname: str
    firewall: Firewall
    connected: bool = True
    fail_push: bool = False
    """Its next pushes fail with a validation error (result FAIL)."""

    def as_json(self) -> dict[str, Any]:
        return {
            "serial": self.serial,
            "hostname": self.hostname,
            "firewall": self.firewall.name,
            "connected": self.connected,
            "fail_push": self.fail_push,
        }


@dataclass
class DeviceResult:
    serial: str
    hostname: str
    done_at: float
    result: str
    lines: list[str]
    started: str = field(default_factory=lambda: time.strftime("%H:%M:%S"))


@dataclass
class PushJob:
    id: int
    user: str
    kind: str
    """``template-stack`` or ``template``."""
    name: str
    enqueued: float
    duration: float
    devices: list[DeviceResult]
    force_template_values: bool = False

    def finished(self, now: float) -> bool:
        return now >= self.enqueued + self.duration

    def result(self, now: float) -> str:
        if not self.finished(now) or any(now < d.done_at for d in self.devices):
            return "PEND"
        return "FAIL" if any(d.result != "OK" for d in self.devices) else "OK"


class Panorama(Firewall):
    """In-process state of the sandbox Panorama; tests read and switch it directly."""

    def __init__(self, ca: SandboxCA, firewalls: list[Firewall], serial: str = "000702100001"):
        super().__init__("panorama", FirewallSettings(model="Panorama"), serial, ca)
        self.username = PANORAMA_ADMIN
        self.admins = {self.username: self.password}
        self.keys_by_api_key = {self.api_key: self.username}
        self.push_device_delay_s = 0.0
        """How long each device stays PEND after the push job itself is FIN."""
        self.devices: dict[str, ManagedDevice] = {}
        self.pushes: dict[int, PushJob] = {}
        self.forced_template_values = 0
        """Pushes that asked for ``force-template-values yes`` (pancert never should)."""
        for fw in firewalls:
            self.devices[fw.serial] = ManagedDevice(fw.serial, fw.name, fw)
            # Calls Panorama forwards with target= reach the firewall as Panorama's admin.
            fw.admins[self.username] = self.password
            fw.keys_by_api_key[self.api_key] = self.username
        self._seed_templates()

    def _seed_templates(self) -> None:
        stack = (
            f"<entry name='{STACK}'><templates><member>{TEMPLATE}</member></templates>"
            f"<devices>{''.join(f'<entry name={s!r}/>' for s in self.devices)}</devices></entry>"
        )
        profile = (
            f"<entry name='{TEMPLATE_PROFILE}'><protocol-settings><min-version>tls1-2"
            "</min-version><max-version>max</max-version></protocol-settings></entry>"
        )
        for root in (self.candidate, self.running):
            shared = tree.ensure(root, template_xpath(TEMPLATE) + "/config/shared")[0]
            shared.append(
                etree.fromstring(f"<ssl-tls-service-profile>{profile}</ssl-tls-service-profile>")
            )
            target = tree.ensure(root, f"{tree.DEVICE}/template-stack")[0]
            target.append(etree.fromstring(stack))

    # -- devices ----------------------------------------------------------------------------

    def device(self, serial: str) -> ManagedDevice:
        """The connected device ``serial``, or the error Panorama gives for a ``target``."""
        found = self.devices.get(serial)
        if found is None:
            raise ApiError(None, f"Device {serial} is not managed by this Panorama")
        if not found.connected:
            raise ApiError(None, f"Device {serial} ({found.hostname}) is not connected")
        return found

    def set_device(self, serial: str, values: dict[str, Any]) -> ManagedDevice:
        found = self.devices.get(serial)
        if found is None:
            raise ValueError(f"no managed device {serial!r} (known: {sorted(self.devices)})")
        unknown = set(values) - {"connected", "fail_push"}
        if unknown:
            raise ValueError(f"unknown device switches {sorted(unknown)}")
        for key, value in values.items():
            if not isinstance(value, bool):
                raise TypeError(f"{key} must be true or false")
            setattr(found, key, value)
        return found

    def stacks_of(self, template: str, root: etree._Element | None = None) -> list[str]:
        xpath = f"{tree.DEVICE}/template-stack/entry"
        return [
            str(e.get("name"))
            for e in tree.select(self.running if root is None else root, xpath)
            if template in [(m.text or "").strip() for m in e.iterfind("templates/member")]
        ]

    # -- template import --------------------------------------------------------------------

    def import_keypair(
        self, user: str, template: str, *, location: str, name: str, passphrase: str, data: bytes
    ) -> None:
        """``type=import`` with ``target-tpl``: the certificate (and, for ``keypair``, the
        encrypted key) into the template's candidate configuration."""
        if not tree.select(self.candidate, template_xpath(template)):
            raise ApiError(17, f" target-tpl '{template}' is not a valid template")
        try:
            check_name(name, PANORAMA_NAME_LIMIT)
        except CertificateOpError as exc:
            raise ApiError(exc.code, *exc.lines) from exc
        if not passphrase:
            raise ApiError(
                400, 'Parameter "passphrase" is required for a key pair', http_status=400
            )
        try:
            chain = x509.load_pem_x509_certificates(data)
            key = serialization.load_pem_private_key(data, passphrase.encode())
        except (ValueError, TypeError) as exc:
            raise ApiError(
                None, "Import of the key pair failed: wrong passphrase or no key found"
            ) from exc
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise ApiError(None, f"Import of {name} failed: only RSA and EC keys are supported")
        if public_der(chain[0]) != public_der(key):
            raise ApiError(None, f"Import of {name} failed: the key does not match the certificate")
        self.key_store.put(f"{template}/{location}", name, key)
        self._store(user, template, location, name, chain)

    def import_certificate(
        self, user: str, template: str, *, location: str, name: str, data: bytes
    ) -> None:
        """``category=certificate`` with ``target-tpl``: a signed certificate onto the
        template entry that holds its key (a CA certificate when there is no entry)."""
        if not tree.select(self.candidate, template_xpath(template)):
            raise ApiError(17, f" target-tpl '{template}' is not a valid template")
        try:
            check_name(name, PANORAMA_NAME_LIMIT)
            chain = load_chain(data)
        except CertificateOpError as exc:
            raise ApiError(exc.code, *exc.lines) from exc
        key = self.key_store.get(f"{template}/{location}", name)
        if key is not None and public_der(chain[0]) != public_der(key):
            raise ApiError(
                None,
                f"Import of {name} failed. The certificate's public key does not match the "
                "private key of the entry (private key mismatch)",
            )
        self._store(user, template, location, name, chain, with_key=key is not None)

    def _store(
        self,
        user: str,
        template: str,
        location: str,
        name: str,
        chain: list[x509.Certificate],
        *,
        with_key: bool = True,
    ) -> None:
        pem = "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in chain)
        entry = signed_entry(name, chain, pem, with_key=with_key)
        xml = etree.tostring(entry, encoding="unicode")
        xpath = template_certificates(template, location)
        if tree.select(self.candidate, f"{xpath}/entry[@name='{name}']"):
            self.change(Change(user, "edit", f"{xpath}/entry[@name='{name}']", xml))
        else:
            self.change(Change(user, "set", xpath, xml))

    # -- pushes -----------------------------------------------------------------------------

    def commit_all(self, user: str, cmd: etree._Element) -> PushJob:
        body = next(iter(cmd), None)
        if body is None or body.tag not in ("template-stack", "template"):
            raise ApiError(17, "the sandbox pushes template stacks and templates only")
        name = (body.findtext("name") or "").strip()
        kind = str(body.tag)
        node = tree.select(self.running, f"{tree.DEVICE}/{kind}/entry[@name='{name}']")
        if not node:
            raise ApiError(17, f" commit-all -> {kind} '{name}' is not a valid reference")
        forced = (body.findtext("force-template-values") or "").strip() == "yes"
        self.forced_template_values += forced
        self.settle()
        now = time.monotonic()
        results = []
        for device in self._push_targets(kind, node[0]):
            if not device.connected:
                continue  # a disconnected device is not pushed to and not listed
            done = now + self.settings.commit_duration_s + self.push_device_delay_s
            if device.fail_push:
                lines = ["Validation Error:", "push refused on request of the sandbox (fail_push)"]
                results.append(DeviceResult(device.serial, device.hostname, done, "FAIL", lines))
                continue
            self._apply(device.firewall, kind, node[0])
            lines = ["Configuration committed successfully"]
            results.append(DeviceResult(device.serial, device.hostname, done, "OK", lines))
        job = PushJob(
            self._next_job, user, kind, name, now, self.settings.commit_duration_s, results
        )
        job.force_template_values = forced
        self._next_job += 1
        self.pushes[job.id] = job
        return job

    def _push_targets(self, kind: str, node: etree._Element) -> list[ManagedDevice]:
        if kind == "template-stack":
            serials = [str(e.get("name")) for e in node.iterfind("devices/entry")]
        else:
            serials = [
                str(e.get("name"))
                for stack in tree.select(self.running, f"{tree.DEVICE}/template-stack/entry")
                if str(node.get("name")) in [m.text for m in stack.iterfind("templates/member")]
                for e in stack.iterfind("devices/entry")
            ]
        return [self.devices[s] for s in dict.fromkeys(serials) if s in self.devices]

    def _apply(self, fw: Firewall, kind: str, node: etree._Element) -> None:
        """Merge the committed template(s) into the firewall's configuration, each pushed
        node marked ``src="tpl"`` / ``ptpl`` as PAN-OS marks template values."""
        names = (
            [(m.text or "").strip() for m in node.iterfind("templates/member")]
            if kind == "template-stack"
            else [str(node.get("name"))]
        )
        for root_name in ("running", "candidate"):
            fresh = copy.deepcopy(getattr(fw, root_name))
            for template in reversed(names):  # the first template of a stack wins
                config = tree.select(self.running, template_xpath(template) + "/config")
                if config:
                    _merge(fresh, config[0], template)
            setattr(
                fw, root_name, fresh
            )  # one reference swap: the firewall's thread sees old or new

    def push_fields(self, job: PushJob) -> dict[str, str]:
        now = time.monotonic()
        done = job.finished(now)
        elapsed = now - job.enqueued
        progress = 100 if done else min(99, int(100 * elapsed / max(job.duration, 1e-6)))
        return {
            "status": "FIN" if done else "ACT",
            "result": job.result(now),
            "progress": str(progress),
        }

    def describe_devices(self) -> list[dict[str, Any]]:
        return [d.as_json() for d in self.devices.values()]


def _merge(target: etree._Element, template: etree._Element, name: str) -> None:
    for child in template:
        twin = tree.twin_of(target, child)
        if child.tag == "entry" and twin is not None and _leafy(child):
            target.replace(twin, _marked(child, name))
            continue
        if twin is None:
            target.append(_marked(child, name))
        elif len(child):
            _merge(twin, child, name)
        else:
            twin.text = child.text


def _leafy(entry: etree._Element) -> bool:
    """A certificate entry is replaced whole; containers (vsys) are merged into."""
    parent = entry.getparent()
    return parent is not None and parent.tag in ("certificate", "ssl-tls-service-profile")


def _marked(node: etree._Element, template: str) -> etree._Element:
    fresh = copy.deepcopy(node)
    fresh.set("src", "tpl")
    fresh.set("ptpl", template)
    return fresh
