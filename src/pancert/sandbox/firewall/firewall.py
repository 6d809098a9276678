"""One emulated firewall: candidate and running configuration, admins and keys, the change
log behind admin-scoped partial commits, commit jobs and locks (reference §2, §7).

Every change to the candidate is logged as (admin, action, xpath, element). A full commit
publishes the candidate; a partial commit for admin U replays only U's logged changes onto
the running configuration — so another admin's pending changes stay pending, as on a real
device. A commit job runs ``commit_duration_s`` (ACT, then FIN); the running configuration
changes only when it finishes with result OK.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import datetime as dt
import secrets
import time
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID
from lxml import etree

from pancert.sandbox.ca import SandboxCA
from pancert.sandbox.faults import FaultInjector, Recorder
from pancert.sandbox.firewall import certs, tree
from pancert.sandbox.firewall.certs import KeyStore
from pancert.sandbox.firewall.replies import ApiError
from pancert.sandbox.firewall.settings import FirewallSettings, generate_key

SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@dataclass
class Change:
    admin: str
    action: str  # set | edit | delete
    xpath: str
    element: str | None = None


@dataclass
class Job:
    id: int
    user: str
    description: str
    partial: bool
    enqueued: float
    duration: float
    snapshot: etree._Element
    changes: list[Change]
    problems: list[str]
    finished: bool = False

    @property
    def result(self) -> str:
        return "FAIL" if self.problems else "OK"


@dataclass
class CommitRecord:
    job_id: int
    user: str
    description: str
    partial: bool
    result: str = "PEND"


def apply(root: etree._Element, change: Change, *, marks: bool) -> list[etree._Element]:
    """Apply one change to ``root`` (``marks``: stamp ``admin`` on what it touched)."""
    if change.action == "delete":
        return _delete(root, change, marks)
    parsed = etree.fromstring(f"<wrap>{change.element or ''}</wrap>".encode(), SAFE)
    if change.action == "set":
        targets = tree.ensure(root, change.xpath)
        for target in targets:
            tree.merge(target, parsed, change.admin)
            if marks:
                tree.mark(target, change.admin)
            else:
                tree.strip_marks(target)
        return targets
    if len(parsed) != 1:
        raise tree.XPathError("edit needs exactly one element")
    return [_replace(t, parsed[0], change.admin, marks) for t in tree.ensure(root, change.xpath)]


def _delete(root: etree._Element, change: Change, marks: bool) -> list[etree._Element]:
    nodes = tree.select(root, change.xpath)
    for node in nodes:
        parent = node.getparent()
        if parent is not None:
            parent.remove(node)
            if marks:
                tree.mark(parent, change.admin)
    return nodes


def _replace(
    target: etree._Element, fresh: etree._Element, admin: str, marks: bool
) -> etree._Element:
    """``action=edit``: the element replaces the node; name and template origin are kept."""
    if target.tag != fresh.tag:
        raise tree.XPathError(f"edit of <{target.tag}> with <{fresh.tag}>")
    new = copy.deepcopy(fresh)
    for attribute in ("name", "ptpl", "src"):
        value = target.get(attribute)
        if value is not None and (attribute != "name" or new.get("name") is None):
            new.set(attribute, value)
    if marks:
        tree.mark(new, admin)
    parent = target.getparent()
    if parent is None:
        raise tree.XPathError("cannot edit the root")
    parent.replace(target, new)
    return new


class Firewall:
    """In-process state of one sandbox firewall; tests read it directly."""

    def __init__(
        self, name: str, settings: FirewallSettings, serial: str, ca: SandboxCA | None = None
    ) -> None:
        self.name = name
        self.ca = ca or SandboxCA.create()
        self.serial = serial
        self.settings = settings
        self.port: int | None = None
        self.username = "admin"
        self.password = secrets.token_urlsafe(12)
        self.admins: dict[str, str] = {self.username: self.password}
        self.api_key = secrets.token_urlsafe(48)
        self.keys_by_api_key: dict[str, str] = {self.api_key: self.username}
        members = settings.decryption_members()
        self.candidate = tree.base_config(name, settings.sw_version, members)
        self.running = copy.deepcopy(self.candidate)
        self.changes: list[Change] = []
        self.jobs: dict[int, Job] = {}
        self.commits: list[CommitRecord] = []
        self.refused_key_exports = 0
        self.key_store = KeyStore()
        self.recorder = Recorder()
        self.faults = FaultInjector()
        self.config_lock: str | None = None
        self.commit_lock: str | None = None
        self.fail_commits = 0
        self._next_job = 1
        self._mutations: asyncio.Lock | None = None

    # -- identity ---------------------------------------------------------------------------

    def add_admin(self, user: str, password: str) -> str:
        """Another administrator with its own API key (returned)."""
        self.admins[user] = password
        key = secrets.token_urlsafe(48)
        self.keys_by_api_key[key] = user
        return key

    def key_for(self, user: str) -> str:
        return next(k for k, u in self.keys_by_api_key.items() if u == user)

    def user_for_key(self, key: str | None) -> str:
        user = self.keys_by_api_key.get(key or "")
        if user is None:
            raise ApiError(403, "Invalid credentials.", http_status=403)
        return user

    def mutations(self) -> asyncio.Lock:
        if self._mutations is None:
            self._mutations = asyncio.Lock()
        return self._mutations

    # -- configuration --------------------------------------------------------------------

    def refuse_writes(self, user: str) -> None:
        if self.settings.ha_passive:
            raise ApiError(15, "Command not allowed on a passive HA peer (HA state: passive)")
        if self.config_lock not in (None, user):
            raise ApiError(13, f"Configuration is locked by {self.config_lock}")

    def change(self, change: Change) -> list[etree._Element]:
        """Apply a write to the candidate and log it for the commit."""
        self.refuse_writes(change.admin)
        if change.action in ("edit", "delete"):
            for node in tree.select(self.candidate, change.xpath):
                self._refuse_template(node)
                if change.action == "delete":
                    self._refuse_referenced(node)
        touched = apply(self.candidate, change, marks=True)
        if change.action != "delete" or touched:
            self.changes.append(change)
        return touched

    def _refuse_template(self, node: etree._Element) -> None:
        if node.get("src") in ("tpl", "ptpl"):
            raise ApiError(
                13,
                f"{tree.path_of(node)} is pushed by template {node.get('ptpl')} and cannot be "
                "changed on the firewall",
            )

    def _refuse_referenced(self, node: etree._Element) -> None:
        parent = node.getparent()
        if node.tag != "entry" or parent is None or parent.tag != "certificate":
            return
        users = tree.referrers(self.candidate, str(node.get("name")))
        if users:
            raise ApiError(
                10,
                f"{node.get('name')} cannot be deleted because of references from:",
                *users,
            )

    def remark(self) -> None:
        """Marks follow the change log: nodes only uncommitted changes touched keep ``admin``."""
        tree.strip_marks(self.candidate)
        for change in self.changes:
            if change.action == "delete":
                continue
            for node in tree.select(self.candidate, change.xpath):
                tree.mark(node, change.admin)
                if change.action == "set":
                    added = etree.fromstring(f"<w>{change.element or ''}</w>".encode(), SAFE)
                    for child in added:
                        twin = tree.twin_of(node, child)
                        if twin is not None:
                            tree.mark(twin, change.admin)

    # -- commit and jobs ------------------------------------------------------------------

    def commit(self, user: str, description: str, partial_admins: list[str] | None) -> Job | None:
        self.refuse_writes(user)
        if self.commit_lock not in (None, user):
            raise ApiError(13, f"Commit lock is already held by {self.commit_lock}")
        self.settle()
        if any(not j.finished for j in self.jobs.values()):
            raise ApiError(13, "Another commit/validate is in progress. Please try again later")
        if partial_admins is None:
            included = list(self.changes)
            snapshot = copy.deepcopy(self.candidate)
            tree.strip_marks(snapshot)
        else:
            included = [c for c in self.changes if c.admin in partial_admins]
            snapshot = copy.deepcopy(self.running)
            for change in included:
                apply(snapshot, change, marks=False)
        if not included:
            return None
        problems = tree.validate(snapshot)
        if self.fail_commits > 0:
            self.fail_commits -= 1
            problems = problems or [
                "Validation Error:",
                " commit failed on request of the sandbox (fail_commits)",
            ]
        job = Job(
            self._next_job,
            user,
            description,
            partial_admins is not None,
            time.monotonic(),
            self.settings.commit_duration_s,
            snapshot,
            included,
            problems,
        )
        self._next_job += 1
        self.jobs[job.id] = job
        self.commits.append(CommitRecord(job.id, user, description, job.partial))
        return job

    def settle(self) -> None:
        """Finish every job whose time is up; only an OK job changes the running config."""
        now = time.monotonic()
        for job in self.jobs.values():
            if job.finished or now < job.enqueued + job.duration:
                continue
            job.finished = True
            record = next(c for c in self.commits if c.job_id == job.id)
            record.result = job.result
            if job.problems:
                continue
            self.running = job.snapshot
            done = {id(c) for c in job.changes}
            self.changes = [c for c in self.changes if id(c) not in done]
            self.remark()

    def job_fields(self, job: Job) -> dict[str, str]:
        self.settle()
        elapsed = time.monotonic() - job.enqueued
        progress = 100 if job.finished else min(99, int(100 * elapsed / max(job.duration, 1e-6)))
        return {
            "status": "FIN" if job.finished else "ACT",
            "result": job.result if job.finished else "PEND",
            "progress": str(progress),
        }

    # -- what another admin does (/_sandbox/) ---------------------------------------------

    def revert_candidate(self) -> None:
        self.candidate = copy.deepcopy(self.running)
        self.changes.clear()

    def commit_by_other(self, admin: str = "admin2") -> None:
        self.running = copy.deepcopy(self.candidate)
        tree.strip_marks(self.running)
        self.changes.clear()
        tree.strip_marks(self.candidate)
        self.commits.append(CommitRecord(0, admin, "committed by another admin", False, "OK"))

    def set_switches(self, values: dict[str, Any]) -> None:
        known = {f.name for f in dataclasses.fields(FirewallSettings)} - {"key_pool"}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown switches {sorted(unknown)} (allowed: {sorted(known)})")
        self.settings = dataclasses.replace(self.settings, **values)

    # -- seeding (tests, demo): straight into the configuration, no API call ---------------

    def seed_certificate(
        self,
        name: str,
        *,
        location: str = "shared",
        common_name: str | None = None,
        dns_names: tuple[str, ...] = (),
        key: str = "EC-256",
        not_after: dt.datetime | None = None,
        template: str | None = None,
        committed: bool = True,
    ) -> x509.Certificate:
        """A signed certificate with its key on the box, issued by the sandbox CA."""
        algorithm, bits = key.split("-")
        private = None
        if self.settings.key_pool is not None:
            private = self.settings.key_pool.take(algorithm, int(bits))
        private = private or generate_key(algorithm, int(bits))
        cn = common_name or (dns_names[0] if dns_names else f"{name}.example.test")
        csr = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .sign(private, hashes.SHA256())
        )
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        cert = self.ca.sign_csr(
            csr,
            common_name=cn,
            dns_names=list(dns_names or (cn,)),
            not_before=now - dt.timedelta(days=1),
            not_after=not_after or now + dt.timedelta(days=365),
        )
        chain = [cert, self.ca.intermediate]
        entry = certs.signed_entry(name, chain, "".join(certs.pem(c) for c in chain), with_key=True)
        if template is not None:
            entry.set("ptpl", template)
            entry.set("src", "tpl")
        self.key_store.put(location, name, private)
        for root in (self.candidate, self.running) if committed else (self.candidate,):
            xpath = certificates_xpath(location)
            target = tree.ensure(root, xpath)[0]
            for old in [e for e in target if e.tag == "entry" and e.get("name") == name]:
                target.remove(old)
            target.append(copy.deepcopy(entry))
        return cert

    def set_reference(
        self, kind: str, certificate: str, *, location: str = "vsys1", committed: bool = True
    ) -> str:
        """Make the base configuration's object of ``kind`` use ``certificate``; returns the
        xpath written. Kinds: ssl_tls_service_profile, decryption_rule, global_protect,
        management, ike_gateway, certificate_profile."""
        prefix = (
            "/config/shared"
            if location == "shared"
            else (f"{tree.DEVICE}/vsys/entry[@name='{location}']")
        )
        members = self.settings.decryption_members()
        targets = {
            "ssl_tls_service_profile": (
                prefix
                + "/ssl-tls-service-profile/entry[@name='"
                + ("mgmt-tls" if location == "shared" else "web-tls")
                + "']",
                f"<certificate>{certificate}</certificate>",
            ),
            "global_protect": (
                prefix + "/ssl-tls-service-profile/entry[@name='gp-tls']",
                f"<certificate>{certificate}</certificate>",
            ),
            "management": (
                "/config/shared/ssl-tls-service-profile/entry[@name='mgmt-tls']",
                f"<certificate>{certificate}</certificate>",
            ),
            "decryption_rule": (
                prefix + "/rulebase/decryption/rules/entry[@name='inbound-web']/type",
                f"<ssl-inbound-inspection><certificates><member>{certificate}</member>"
                "</certificates></ssl-inbound-inspection>"
                if members
                else f"<ssl-inbound-inspection>{certificate}</ssl-inbound-inspection>",
            ),
            "ike_gateway": (
                f"{tree.DEVICE}/network/ike/gateway/entry[@name='ike-gw1']/authentication/"
                "certificate/local-certificate",
                f"<name>{certificate}</name>",
            ),
            "certificate_profile": (
                prefix
                + "/certificate-profile/entry[@name='"
                + ("client-ca" if location == "shared" else "gp-client-ca")
                + "']/CA",
                f'<entry name="{certificate}"/>',
            ),
        }
        if kind not in targets:
            raise ValueError(f"unknown reference kind {kind!r} (allowed: {sorted(targets)})")
        xpath, xml = targets[kind]
        change = Change("seed", "set", xpath, xml)
        for root in (self.candidate, self.running) if committed else (self.candidate,):
            apply(root, change, marks=False)
        return xpath


def certificates_xpath(location: str) -> str:
    if location == "shared":
        return "/config/shared/certificate"
    return f"{tree.DEVICE}/vsys/entry[@name='{location}']/certificate"
