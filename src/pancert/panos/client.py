"""The PAN-OS XML API client: one named operation per method, values returned, no state.

Every request is a POST to ``<base_url>/api/`` with form (or multipart) fields; the API key
travels only in the ``X-PAN-KEY`` header (panos.md §1 [DOC-AUTH]), never in the URL or the
body, and is registered for redaction as soon as the client sees it. Replies go through
:func:`pancert.panos.xml.check_envelope`, the single place errors are mapped.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path

import httpx
from lxml import etree
from pydantic import SecretStr

from pancert.httpio import async_client
from pancert.panos import builders, jobs, parsers, xpaths
from pancert.panos.chain import order_chain
from pancert.panos.errors import (
    BindingTargetError,
    ForeignChangesError,
    ObjectNotPresentError,
    PanosApiError,
    PanosReplyError,
    PanosTransportError,
)
from pancert.panos.identity import TlsIdentity
from pancert.panos.models import (
    CertificateEntry,
    CommitResult,
    CsrRequest,
    HaState,
    JobResult,
    Location,
    Reference,
    ReferenceForm,
    ReferenceKind,
    SystemInfo,
)
from pancert.panos.references import template_of
from pancert.panos.snapshot import ConfigSnapshot
from pancert.panos.tls import build_verify
from pancert.panos.transport import Transport, envelope
from pancert.panos.xml import E, child_text, text_of, to_text
from pancert.redaction import register_secret

Sleep = Callable[[float], Awaitable[None]]


class PanosClient:
    """Named operations of the PAN-OS XML API against one firewall."""

    def __init__(
        self,
        base_url: str,
        api_key: SecretStr | str,
        http: httpx.AsyncClient,
        identity: TlsIdentity | None = None,
    ) -> None:
        self._url = base_url.rstrip("/") + "/api/"
        self._key = api_key if isinstance(api_key, SecretStr) else SecretStr(api_key)
        register_secret(self._key.get_secret_value())
        self.transport = Transport(self._url, self._key, http, identity)
        self._vsys_export_refused = False

    # -- transport ------------------------------------------------------------------------

    @property
    def identity(self) -> TlsIdentity | None:
        return self.transport.identity

    def expect_management_certificate(self, chain_pem: str | bytes | Sequence[str]) -> str:
        """The next commit binds this chain to the management interface: the API's TLS
        identity changes with it (see :mod:`pancert.panos.identity`). Returns the leaf's
        SHA-256, for what later runs trust."""
        if self.transport.identity is None:
            self.transport.identity = TlsIdentity()
        return self.transport.identity.expect(chain_pem)

    async def _send(
        self, fields: dict[str, str], files: dict[str, tuple[str, bytes, str]] | None = None
    ) -> httpx.Response:
        return await self.transport.send(fields, files)

    async def _xml(
        self, fields: dict[str, str], files: dict[str, tuple[str, bytes, str]] | None = None
    ) -> etree._Element:
        response = await self._send(fields, files)
        return envelope(response)

    async def _op(self, cmd: etree._Element, location: Location | None = None) -> etree._Element:
        fields = {"type": "op", "cmd": to_text(cmd)}
        if location is not None and not location.is_shared:
            fields["vsys"] = xpaths.check_location(location).name
        return await self._xml(fields)

    async def _config(
        self, action: str, xpath: str, element: etree._Element | None = None
    ) -> etree._Element:
        fields = {"type": "config", "action": action, "xpath": xpath}
        if element is not None:
            fields["element"] = to_text(element)
        return await self._xml(fields)

    # -- keys and facts -------------------------------------------------------------------

    @staticmethod
    async def keygen(
        base_url: str, user: str, password: SecretStr | str, http: httpx.AsyncClient
    ) -> SecretStr:
        """``type=keygen`` as a form POST (panos.md §1): the password never enters a URL."""
        secret = password.get_secret_value() if isinstance(password, SecretStr) else password
        register_secret(secret)
        url = base_url.rstrip("/") + "/api/"
        try:
            response = await http.post(
                url, data={"type": "keygen", "user": user, "password": secret}
            )
        except httpx.TransportError as exc:
            raise PanosTransportError(f"cannot reach {url}: {type(exc).__name__}") from exc
        key = child_text(envelope(response), "result/key")
        if not key:
            raise PanosReplyError("the keygen reply has no result/key")
        register_secret(key)
        return SecretStr(key)

    async def version(self) -> str:
        root = await self._xml({"type": "version"})
        version = child_text(root, "result/sw-version")
        if not version:
            raise PanosReplyError("the version reply has no result/sw-version")
        return version

    async def system_info(self) -> SystemInfo:
        info = await self._op(E("show", E("system", E("info"))))
        status = await self._op(E("show", E("panorama-status")))
        result = status.find("result")
        text = text_of(result) if result is not None else None
        return parsers.system_info(info, text)

    async def ha_state(self) -> HaState:
        return parsers.ha_state(await self._op(E("show", E("high-availability", E("state")))))

    async def pending_changes(self) -> bool:
        root = await self._op(E("check", E("pending-changes")))
        return child_text(root, "result") == "yes"

    # -- certificates ---------------------------------------------------------------------

    async def _read(self, xpath: str, running: bool) -> etree._Element | None:
        """``get`` (candidate) or ``show`` (running) of ``xpath``: the ``<result>``, or None
        when the node does not exist (``get``: code 7; ``show``: "No such node")."""
        try:
            root = await self._config("show" if running else "get", xpath)
        except ObjectNotPresentError:
            return None
        return root.find("result")

    async def certificates(
        self, location: Location, *, running: bool = False
    ) -> list[CertificateEntry]:
        """Every certificate entry of ``location`` in one call: the candidate configuration,
        or the running one with ``running=True`` (to verify what a commit published)."""
        result = await self._read(xpaths.certificates(location), running)
        if result is None:
            return []
        return parsers.certificate_entries(result, location)

    async def generate_csr(self, request: CsrRequest, location: Location) -> str:
        """``request certificate generate … signed-by external`` (panos.md §4): key pair and
        CSR made on the firewall; returns the firewall's message."""
        root = await self._op(builders.generate_csr(request), location)
        return " ".join(m for m in [child_text(root, "result") or ""] if m)

    async def _export(self, name: str, location: Location, fmt: str) -> bytes:
        fields = {
            "type": "export",
            "category": "certificate",
            "certificate-name": xpaths.check_name(name),
            "format": fmt,
            "include-key": "no",
        }
        if not location.is_shared:
            fields["vsys"] = xpaths.check_location(location).name
        response = await self._send(fields)
        body = response.content
        if response.status_code >= 400 or body.lstrip().startswith(b"<"):
            envelope(response)
            raise PanosReplyError(f"the {fmt} export of {name} returned XML, not PEM")
        return body

    async def export_csr(self, name: str, location: Location) -> str:
        """The CSR of the pending entry ``name``. For a vsys location, when the export does
        not answer it (no public tool sends ``vsys`` on ``type=export``, panos.md §5), the
        CSR is read from the entry's ``<csr>`` in the candidate configuration."""
        if not location.is_shared and self._vsys_export_refused:
            body = await self._entry_csr(name, location)
        else:
            try:
                body = await self._export(name, location, "pkcs10")
            except (PanosApiError, PanosReplyError):
                if location.is_shared:
                    raise
                # the same device answers the next vsys export the same way: read the CSR
                # from the configuration straight away (one call per certificate, not two)
                self._vsys_export_refused = True
                body = await self._entry_csr(name, location)
        if b"-----BEGIN CERTIFICATE REQUEST-----" not in body:
            raise PanosReplyError(f"the CSR export of {name} is not a PEM certificate request")
        return body.decode("ascii")

    async def _entry_csr(self, name: str, location: Location) -> bytes:
        result = await self._read(xpaths.certificate(location, name) + "/csr", running=False)
        if result is None:
            raise PanosReplyError(f"{name} in {location.name} has no CSR to export")
        return text_of(result).encode("ascii", "replace") + b"\n"

    async def export_certificate(self, name: str, location: Location) -> str:
        body = await self._export(name, location, "pem")
        if b"-----BEGIN CERTIFICATE-----" not in body:
            raise PanosReplyError(f"the PEM export of {name} is not a certificate")
        return body.decode("ascii")

    async def import_certificate(
        self, name: str, location: Location, chain: bytes | str | Sequence[bytes | str]
    ) -> str:
        """Import one PEM — leaf, then intermediates by issuer, no root — onto the CSR entry
        ``name`` (panos.md §6). Only the candidate changes."""
        fields = {
            "type": "import",
            "category": "certificate",
            "certificate-name": xpaths.check_name(name),
            "format": "pem",
        }
        if not location.is_shared:
            fields["vsys"] = xpaths.check_location(location).name
        files = {"file": ("cert.pem", order_chain(chain), "application/x-pem-file")}
        root = await self._xml(fields, files)
        return child_text(root, "result") or ""

    async def delete_certificate(self, name: str, location: Location) -> None:
        await self._config("delete", xpaths.certificate(location, name))

    # -- references -----------------------------------------------------------------------

    async def _subtree(self, xpath: str, running: bool = False) -> etree._Element | None:
        result = await self._read(xpath, running)
        return result[0] if result is not None and len(result) else None

    async def snapshot(self, *, running: bool = False) -> ConfigSnapshot:
        """The shared and device subtrees in two reads (candidate, or running with
        ``running=True``): references and certificates of every location, for checks that
        would otherwise read once per certificate."""
        shared = await self._subtree(xpaths.SHARED_PREFIX, running)
        device = await self._subtree(xpaths.DEVICE, running)
        return ConfigSnapshot(shared, device)

    async def references_to(
        self, name: str, location: Location, *, running: bool = False
    ) -> list[Reference]:
        """Every node that uses certificate ``name`` of ``location``, in the candidate
        configuration (or the running one with ``running=True``); two reads in all."""
        xpaths.check_name(name)
        return (await self.snapshot(running=running)).references_to(name, location)

    async def binding(self, kind: ReferenceKind, name: str, location: Location) -> Reference:
        """The node a profile's ``paloalto_bindings`` entry points at, ready for :meth:`rebind`.

        Only SSL/TLS service profiles and SSL inbound inspection rules can be bound. The
        object must exist: a ``set`` on a missing profile would create an incomplete one that
        fails the next commit (panos.md §8). A decryption rule holds a member list on 10.2+
        and a single value before; the shape found decides the form.
        """
        if kind is ReferenceKind.SSL_TLS_SERVICE_PROFILE:
            xpath = xpaths.existing_entry(xpaths.ssl_tls_profiles(location), name)
            node = await self._subtree(xpath)
            if node is None:
                raise BindingTargetError(kind, name, location.name)
            current = child_text(node, "certificate") or ""
            return Reference(
                kind, name, f"{xpath}/certificate", location, current, template=template_of(node)
            )
        if kind is not ReferenceKind.DECRYPTION_RULE:
            raise ValueError(f"{kind} cannot be a profile binding")
        rule = xpaths.existing_entry(xpaths.decryption_rules(location), name)
        node = await self._subtree(rule)
        inbound = None if node is None else node.find("type/ssl-inbound-inspection")
        if node is None or inbound is None:
            raise BindingTargetError(kind, name, location.name)
        current = (inbound.text or "").strip()
        if len(inbound) == 0 and (current or not await self._member_lists()):
            base = f"{rule}/type/ssl-inbound-inspection"
            return Reference(kind, name, base, location, current, template=template_of(node))
        return Reference(
            kind,
            name,
            f"{rule}/type/ssl-inbound-inspection/certificates",
            location,
            "",
            ReferenceForm.MEMBER,
            template=template_of(node),
        )

    async def _member_lists(self) -> bool:
        """Whether this PAN-OS holds inbound-inspection certificates as a member list (10.2+)
        rather than one value; asked only when an empty rule leaves the shape open."""
        major, minor, *_ = (
            int(p) if p.isdigit() else 0 for p in [*(await self.version()).split("."), "0", "0"]
        )
        return (major, minor) >= (10, 2)

    async def rebind(self, reference: Reference, new_name: str) -> None:
        """Point ``reference`` at certificate ``new_name``. Lists gain the new name before
        losing the old one, so the candidate is never without a certificate; a reference
        whose ``certificate`` is empty (a new binding) only gains the new name."""
        xpaths.check_name(new_name)
        if reference.form is ReferenceForm.TEXT:
            tag = reference.xpath.rsplit("/", 1)[-1]
            await self._config("edit", reference.xpath, E(tag, new_name))
        elif reference.form is ReferenceForm.MEMBER:
            await self._config("set", reference.xpath, E("member", new_name))
            if reference.certificate and reference.certificate != new_name:
                await self._config("delete", xpaths.member(reference.xpath, reference.certificate))
        else:
            # a full XPath naming the new entry: PAN-OS 11.0.3-h3 dropped partial XPaths
            # (a container plus a wrapping <entry>), whose changes an admin-scoped partial
            # commit then leaves behind (pan-os-codegen PR #121, pan-os-python #570)
            entry = xpaths.existing_entry(reference.xpath, new_name)
            await self._config("edit", entry, E("entry", name=new_name))
            if reference.certificate and reference.certificate != new_name:
                await self._config(
                    "delete", xpaths.existing_entry(reference.xpath, reference.certificate)
                )

    async def check_owner(self, xpath: str, commit_user: str) -> None:
        """Raise :class:`ForeignChangesError` when the candidate node at ``xpath`` carries an
        ``admin`` other than ``commit_user`` (an admin-scoped partial commit leaves every
        other admin's changes out, panos.md §7); call it after the first write of a run."""
        node = await self._subtree(xpath)
        if node is None:
            raise ObjectNotPresentError(7, (f"{xpath} is not in the candidate configuration",))
        owner = node.get("admin")
        if owner is not None and owner != commit_user:
            raise ForeignChangesError(xpath, owner, commit_user)

    # -- commit and jobs ------------------------------------------------------------------

    async def commit(self, admin: str, description: str | None = None) -> CommitResult:
        """Admin-scoped partial commit (panos.md §7); never excludes a scope."""
        cmd = to_text(builders.partial_commit(admin, description))
        root = await self._xml({"type": "commit", "action": "partial", "cmd": cmd})
        return parsers.commit(root)

    async def job(self, job_id: int) -> JobResult:
        return parsers.job(await self._op(E("show", E("jobs", E("id", str(job_id))))))

    async def wait_for_job(
        self,
        job_id: int,
        timeout_s: float,
        *,
        first_delay_s: float = 2.0,
        sleep: Sleep = asyncio.sleep,
    ) -> JobResult:
        """Poll ``show jobs id`` until FIN and check ``result`` (see :func:`jobs.wait`)."""
        return await jobs.wait(
            self.job,
            job_id,
            timeout_s,
            first_delay_s=first_delay_s,
            sleep=sleep,
            rotating=lambda: self.identity is not None and self.identity.rotating,
        )


@contextlib.asynccontextmanager
async def open_client(
    url: str,
    api_key: SecretStr | str,
    *,
    ca_bundle: Path | None = None,
    fingerprint: str | None = None,
    insecure: bool = False,
    timeout: float = 30.0,
    learned_pins: Sequence[str] = (),
) -> AsyncIterator[PanosClient]:
    """A :class:`PanosClient` owning its ``httpx.AsyncClient`` for the ``async with`` block.
    ``learned_pins``: management certificates earlier runs installed and adopted."""
    verify = build_verify(ca_bundle, fingerprint, insecure)
    identity = None if insecure else TlsIdentity(ca_bundle, learned_pins)
    async with async_client(verify=verify, timeout=timeout) as http:
        client = PanosClient(url, api_key, http, identity)
        try:
            yield client
        finally:
            await client.transport.aclose()
