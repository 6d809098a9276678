"""Template mode: one certificate in a Panorama template, pushed to every firewall of its
template stacks. The key is NOT generated on a firewall: pancert makes it in memory, and
Panorama holds it and copies it to every firewall the template reaches (README, "Panorama
template mode"). It is never written to disk or logged.

:class:`TemplateClient` is a :class:`PanosClient` aimed at Panorama whose configuration
XPaths are moved under ``…/template/entry[@name=T]/config`` — so reading certificates,
following references, rebinding and deleting work on the template unchanged — and whose
key steps are replaced:

- ``generate_csr``: a key and CSR made in memory; the key goes into the template at once
  with a placeholder certificate, encrypted under a one-time passphrase (``type=import
  category=keypair target-tpl=T``, as acme.sh deploy/panos.sh and Infisical do), so a run
  that stops before the CA answers still has its key held by Panorama;
- ``import_certificate``: the signed certificate onto that entry (``category=certificate``);
- ``commit``/``wait_for_job``: Panorama's admin-scoped commit, then a push of every template
  stack holding T, admin-scoped, each polled until FIN with no device PEND
  (:mod:`pancert.panos.push`). ``force-template-values`` is never sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import logging
import secrets
import ssl
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from pydantic import SecretStr

from pancert.errors import PanosError
from pancert.httpio import async_client
from pancert.panos import parsers, push, xpaths
from pancert.panos.chain import order_chain
from pancert.panos.client import PanosClient, Sleep
from pancert.panos.errors import JobTimeoutError, ObjectNotPresentError
from pancert.panos.models import (
    CertificateEntry,
    CommitResult,
    CsrRequest,
    JobResult,
    KeyAlgorithm,
    Location,
)
from pancert.panos.tls import build_verify
from pancert.panos.xml import E, child_text, to_text
from pancert.redaction import register_secret

if TYPE_CHECKING:
    from pancert.config.models import FirewallProfile

log = logging.getLogger("pancert.panos")

PLACEHOLDER = "pancert placeholder"
"""Common name of the self-signed certificate that carries a new key until it is signed."""

_CURVES: dict[int, ec.EllipticCurve] = {
    256: ec.SECP256R1(),
    384: ec.SECP384R1(),
    521: ec.SECP521R1(),
}


class CsrLostError(PanosError):
    hint = "nothing to do: the next run generates a new key and CSR"


def _new_key(request: CsrRequest) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    if request.algorithm is KeyAlgorithm.EC:
        return ec.generate_private_key(_CURVES[request.key_size])
    return rsa.generate_private_key(public_exponent=65537, key_size=request.key_size)


def _subject(request: CsrRequest) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, request.common_name)]
    optional = (
        (NameOID.COUNTRY_NAME, request.country),
        (NameOID.STATE_OR_PROVINCE_NAME, request.state),
        (NameOID.LOCALITY_NAME, request.locality),
        (NameOID.ORGANIZATION_NAME, request.organization),
        (NameOID.EMAIL_ADDRESS, request.email),
    )
    parts += [x509.NameAttribute(oid, value) for oid, value in optional if value]
    parts += [
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, u)
        for u in request.organizational_units
    ]
    return x509.Name(parts)


def _csr(request: CsrRequest, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    names: list[x509.GeneralName] = [x509.DNSName(n) for n in request.dns_names]
    names += [x509.IPAddress(ipaddress.ip_address(a)) for a in request.ip_addresses]
    names += [x509.RFC822Name(e) for e in request.emails]
    builder = x509.CertificateSigningRequestBuilder().subject_name(_subject(request))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    csr = builder.sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _placeholder(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, name: str) -> bytes:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{PLACEHOLDER} {name}")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


class TemplateClient(PanosClient):
    """A Panorama template as the lifecycle's firewall (template mode)."""

    def __init__(
        self,
        url: str,
        api_key: SecretStr | str,
        http: httpx.AsyncClient,
        template: str,
        *,
        commit_timeout: float = 1800.0,
    ) -> None:
        super().__init__(url, api_key, http)
        self.template = xpaths.check_name(template)
        self._root = f"{xpaths.DEVICE}/template/entry[@name='{template}']/config"
        self._csrs: dict[str, str] = {}
        self._admin: str | None = None
        self.description: str | None = None
        self._pushed_for: int | None = None
        self.push_timeout = commit_timeout
        self.results: list[push.DeviceOutcome] = []
        """Per-device results of the last push, for the report."""

    def _in_template(self, xpath: str) -> str:
        if xpath.startswith("/config/") and not xpath.startswith(self._root):
            return self._root + xpath.removeprefix("/config")
        return xpath

    async def _config(
        self, action: str, xpath: str, element: etree._Element | None = None
    ) -> etree._Element:
        return await super()._config(action, self._in_template(xpath), element)

    async def certificates(
        self, location: Location, *, running: bool = False
    ) -> list[CertificateEntry]:
        """The template's entries; one holding a placeholder shows as a pending CSR entry,
        with the CSR this process made for it (none after a restart: see export_csr)."""
        entries = await super().certificates(location, running=running)
        return [
            replace(
                e,
                certificate_pem=None,
                csr_pem=self._csrs.get(e.name, "(lost with an earlier run)"),
                not_after=None,
            )
            if (e.common_name or "").startswith(PLACEHOLDER)
            else e
            for e in entries
        ]

    async def generate_csr(self, request: CsrRequest, location: Location) -> str:
        name = request.name
        key = _new_key(request)
        passphrase = secrets.token_urlsafe(24)
        register_secret(passphrase)
        encrypted = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
        csr = _csr(request, key)
        pair = _placeholder(key, name) + encrypted
        del key  # only the encrypted copy leaves this function
        fields = self._import_fields("keypair", name, location)
        fields["passphrase"] = passphrase
        root = await self._xml(fields, {"file": ("keypair.pem", pair, "application/x-pem-file")})
        self._csrs[name] = csr
        return child_text(root, "result") or ""

    def _import_fields(self, category: str, name: str, location: Location) -> dict[str, str]:
        fields = {
            "type": "import",
            "category": category,
            "certificate-name": xpaths.check_name(name),
            "format": "pem",
            "target-tpl": self.template,
        }
        if not location.is_shared:
            fields["target-tpl-vsys"] = xpaths.check_location(location).name
        return fields

    async def export_csr(self, name: str, location: Location) -> str:
        csr = self._csrs.get(name)
        if csr is None:
            # the CSR lived in the memory of a run that stopped; its key cannot leave
            # Panorama, so the placeholder goes and the next run starts over
            await self.delete_certificate(name, location)
            raise CsrLostError(
                f"the CSR of {name} in template {self.template} was lost with an earlier "
                "run; its key was removed from the template"
            )
        return csr

    async def export_certificate(self, name: str, location: Location) -> str:
        raise PanosError("template mode reads certificates from the configuration only")

    async def import_certificate(
        self, name: str, location: Location, chain: bytes | str | Sequence[bytes | str]
    ) -> str:
        fields = self._import_fields("certificate", name, location)
        files = {"file": ("cert.pem", order_chain(chain), "application/x-pem-file")}
        root = await self._xml(fields, files)
        return child_text(root, "result") or ""

    async def commit(self, admin: str, description: str | None = None) -> CommitResult:
        """Panorama's admin-scoped commit; with nothing to commit, the push runs now (an
        earlier push may have failed on a device), else after the commit job (wait_for_job)."""
        self._admin = admin
        self.description = description
        result = await super().commit(admin, description)
        if result.job_id is None:
            await self._push()
        return result

    async def wait_for_job(
        self,
        job_id: int,
        timeout_s: float,
        *,
        first_delay_s: float = 2.0,
        sleep: Sleep | None = None,
    ) -> JobResult:
        kwargs = {"sleep": sleep} if sleep is not None else {}
        job = await super().wait_for_job(job_id, timeout_s, first_delay_s=first_delay_s, **kwargs)
        if self._admin is not None and self._pushed_for != job_id:
            self._pushed_for = job_id
            await self._push(sleep)
        return job

    async def _push(self, sleep: Sleep | None = None) -> None:
        """Push every stack holding the template, admin-scoped; raise with each device's
        result when any device is not OK."""
        admin = self._admin
        assert admin is not None, "commit() names the admin before any push"
        try:
            stacks = await super()._config("show", f"{xpaths.DEVICE}/template-stack")
        except ObjectNotPresentError:
            stacks = None
        found = push.stacks_with(stacks, self.template)
        if not found:
            raise push.PushFailedError(
                f"template {self.template} is in no template stack on Panorama; no firewall "
                "would receive it"
            )
        self.results, problems = [], []
        for stack, serials in found.items():
            cmd = to_text(push.commit_all(stack, admin, self.description))
            started = parsers.commit(
                await self._xml({"type": "commit", "action": "all", "cmd": cmd})
            )
            if started.job_id is None:
                raise push.PushFailedError(f"push of stack {stack}: {started.message}")
            log.info(
                "template %s: push of stack %s is job %s", self.template, stack, started.job_id
            )
            job = await self._settled(started.job_id, sleep or asyncio.sleep)
            results = push.outcomes(job, serials)
            for result in results:
                log.info("template %s: stack %s: %s", self.template, stack, result)
            self.results += results
            problem = push.failure(stack, job, results)
            if problem:
                problems.append(problem)
        if problems:
            raise push.PushFailedError(f"template {self.template}: " + " | ".join(problems))

    async def _settled(self, job_id: int, sleep: Sleep) -> push.PushJob:
        """Poll the push job until FIN with no device PEND, 1 s then x1.5 up to 30 s."""
        delay, waited = 1.0, 0.0
        while True:
            job = push.parse_job(await self._op(E("show", E("jobs", E("id", str(job_id))))))
            if job.settled:
                return job
            if waited + delay > self.push_timeout:
                raise JobTimeoutError(job_id, waited)
            await sleep(delay)
            waited += delay
            delay = min(delay * 1.5, 30.0)


def _verify(profile: FirewallProfile) -> ssl.SSLContext | bool:
    return build_verify(profile.ca_bundle, profile.tls_fingerprint, profile.tls_insecure)


@contextlib.asynccontextmanager
async def open_template(
    firewall: FirewallProfile, *, timeout: float = 30.0
) -> AsyncIterator[TemplateClient]:
    pano = firewall.resolved_panorama
    assert pano is not None, "the loader links every paloalto_panorama"
    assert pano.url is not None, "the loader refuses a Panorama profile without a URL"
    assert pano.api_key is not None, "the loader refuses a profile without a key"
    assert firewall.template is not None, "template mode requires paloalto_template"
    verify = _verify(pano)
    async with async_client(verify=verify, timeout=timeout) as http:
        yield TemplateClient(pano.url, pano.api_key, http, firewall.template)
