"""A firewall managed by Panorama, reached through Panorama with ``target=<serial>``.

Panorama forwards an API request carrying ``target=<serial>`` to that managed firewall
(https://docs.paloaltonetworks.com/ngfw/api/pan-os-xml-api-use-cases/query-a-firewall-from-panorama-api);
pan-python documents ``target`` for op, config, commit and export (its doc/panxapi.rst,
``--serial``). So :class:`ManagedFirewall` is a :class:`PanosClient` whose every request
carries the serial: the key is generated on the firewall, its CSR exported, references read
and rebound and the firewall's own admin-scoped commit made, all through Panorama.

Whether ``type=import`` honours ``target`` is not documented, and pan-python's
``import_file()`` never sends it; so when the profile also gives the firewall's own
``paloalto_url``, the signed certificate is imported directly there (README, "Panorama").
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
from lxml import etree
from pydantic import SecretStr

from pancert.errors import PanosError
from pancert.httpio import async_client
from pancert.panos import parsers
from pancert.panos.client import PanosClient
from pancert.panos.models import CommitResult, Location
from pancert.panos.tls import build_verify
from pancert.panos.xml import E, child_text, to_text

if TYPE_CHECKING:
    from pancert.config.models import FirewallProfile


class DeviceUnreachableError(PanosError):
    """Panorama does not manage the device, or it is not connected now."""

    hint = (
        "check the serial (pancert validate --online lists Panorama's devices) and the "
        "device's connection to Panorama; the other devices go on"
    )


@dataclass(frozen=True)
class DeviceInfo:
    """One row of Panorama's ``show devices all``."""

    serial: str
    hostname: str
    connected: bool
    model: str
    sw_version: str


def parse_devices(root: etree._Element) -> list[DeviceInfo]:
    return [
        DeviceInfo(
            serial=child_text(entry, "serial") or str(entry.get("name") or ""),
            hostname=child_text(entry, "hostname") or "",
            connected=child_text(entry, "connected") == "yes",
            model=child_text(entry, "model") or "",
            sw_version=child_text(entry, "sw-version") or "",
        )
        for entry in root.iterfind("result/devices/entry")
    ]


async def managed_devices(panorama: PanosClient) -> list[DeviceInfo]:
    """Every device Panorama manages, connected or not (``show devices all``)."""
    return parse_devices(await panorama._op(E("show", E("devices", E("all")))))


def find_device(devices: Sequence[DeviceInfo], firewall: FirewallProfile) -> DeviceInfo:
    """The managed device a profile names by serial or hostname, connected; or the reason
    it cannot be reached, as a per-device failure."""
    wanted = firewall.serial or firewall.device or ""
    match = [d for d in devices if wanted in ((d.serial,) if firewall.serial else (d.hostname,))]
    field = "paloalto_serial" if firewall.serial else "paloalto_device"
    if not match:
        known = ", ".join(f"{d.serial} ({d.hostname})" for d in devices) or "none"
        raise DeviceUnreachableError(
            f"{firewall.source}: {field}: {wanted!r} is not managed by Panorama "
            f"{firewall.panorama} (managed: {known})"
        )
    if len(match) > 1:
        raise DeviceUnreachableError(
            f"{firewall.source}: {field}: {wanted!r} names {len(match)} devices; use "
            "paloalto_serial"
        )
    if not match[0].connected:
        raise DeviceUnreachableError(
            f"device {match[0].serial} ({match[0].hostname}) is not connected to Panorama "
            f"{firewall.panorama}; nothing was changed on it"
        )
    return match[0]


class ManagedFirewall(PanosClient):
    """The PAN-OS operations of one managed firewall, sent through Panorama."""

    def __init__(
        self,
        panorama_url: str,
        api_key: SecretStr | str,
        http: httpx.AsyncClient,
        serial: str,
        *,
        direct: PanosClient | None = None,
        panorama_admin: str | None = None,
    ) -> None:
        super().__init__(panorama_url, api_key, http)
        self.serial = serial
        self._direct = direct
        self._panorama_admin = panorama_admin

    async def _send(
        self, fields: dict[str, str], files: dict[str, tuple[str, bytes, str]] | None = None
    ) -> httpx.Response:
        return await super()._send({**fields, "target": self.serial}, files)

    async def import_certificate(
        self, name: str, location: Location, chain: bytes | str | Sequence[bytes | str]
    ) -> str:
        if self._direct is not None:
            return await self._direct.import_certificate(name, location, chain)
        return await super().import_certificate(name, location, chain)

    async def check_owner(self, xpath: str, commit_user: str) -> None:
        """Writes other than a direct import go through Panorama, so they belong to
        Panorama's admin; the commit below names that admin too."""
        await super().check_owner(xpath, self._panorama_admin or commit_user)

    async def commit(self, admin: str, description: str | None = None) -> CommitResult:
        """The firewall's admin-scoped commit through Panorama. Changes made through
        Panorama belong to Panorama's admin; a direct import belongs to the firewall's own
        admin: the commit names both, and nobody else's changes."""
        admins = list(dict.fromkeys(a for a in (admin, self._panorama_admin) if a))
        members = [E("member", a) for a in admins]
        children = [E("partial", E("admin", *members))]
        if description:
            children.append(E("description", description))
        cmd = to_text(E("commit", *children))
        root = await self._xml({"type": "commit", "action": "partial", "cmd": cmd})
        return parsers.commit(root)


def _verify(profile: FirewallProfile) -> ssl.SSLContext | bool:
    return build_verify(profile.ca_bundle, profile.tls_fingerprint, profile.tls_insecure)


@contextlib.asynccontextmanager
async def open_managed(
    firewall: FirewallProfile, *, timeout: float = 30.0
) -> AsyncIterator[ManagedFirewall]:
    """A :class:`ManagedFirewall` for a device-mode profile, after checking with Panorama
    that the device is managed and connected (:class:`DeviceUnreachableError` if not)."""
    pano = firewall.resolved_panorama
    assert pano is not None, "the loader links every paloalto_panorama"
    assert pano.url is not None, "the loader refuses a Panorama profile without a URL"
    assert pano.api_key is not None, "the loader refuses a profile without a key"
    async with contextlib.AsyncExitStack() as stack:
        http = await stack.enter_async_context(async_client(verify=_verify(pano), timeout=timeout))
        listing = await managed_devices(PanosClient(pano.url, pano.api_key, http))
        device = find_device(listing, firewall)
        direct = None
        if firewall.url is not None and firewall.api_key is not None:
            own = await stack.enter_async_context(
                async_client(verify=_verify(firewall), timeout=timeout)
            )
            direct = PanosClient(firewall.url, firewall.api_key, own)
        yield ManagedFirewall(
            pano.url,
            pano.api_key,
            http,
            device.serial,
            direct=direct,
            panorama_admin=pano.commit_user,
        )


def open_through_panorama(
    firewall: FirewallProfile, *, timeout: float = 30.0
) -> contextlib.AbstractAsyncContextManager[PanosClient]:
    """The client of a profile with ``paloalto_panorama``: a managed firewall (device
    mode) or a Panorama template (template mode)."""
    if firewall.mode == "panorama-template":
        from pancert.panos.template import open_template  # noqa: PLC0415 - one mode needs it

        return open_template(firewall, timeout=timeout)
    return open_managed(firewall, timeout=timeout)
