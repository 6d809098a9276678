"""Sandbox SCM servers on loopback HTTPS and clients pointed at them."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from pydantic import SecretStr

from pancert.sandbox.ca import SandboxCA
from pancert.sandbox.scm import TOKEN_PATH, ScmSandbox, ScmSandboxSettings
from pancert.sandbox.server import LoopbackServer
from pancert.scm import CertificateAuthority, EnrollRequest, IssuedChain, RetryPolicy, open_ca


@dataclass(frozen=True)
class Cred:
    """A hand-written ScmCredentialLike (the config model has the same attribute names)."""

    label: str = "sandbox"
    client_id: str | None = None
    client_secret: SecretStr | None = None
    login: str | None = None
    password: SecretStr | None = None
    customer_uri: str | None = None
    org_id: int | None = None
    cert_type_map: Mapping[str, str | int] | None = field(default=None)
    dcv_mode: str | None = None
    dcv_email: str | None = None


@dataclass
class Running:
    sandbox: ScmSandbox
    url: str
    ca_bundle: Path
    sleeps: list[float]
    opened: list[CertificateAuthority]

    @property
    def admin_url(self) -> str:
        return self.url + "/api/ssl/v1"

    @property
    def auth_url(self) -> str:
        return self.url + TOKEN_PATH

    def admin_cred(self, **overrides: object) -> Cred:
        c = self.sandbox.credentials
        fields: dict[str, object] = {
            "client_id": c.client_id,
            "client_secret": SecretStr(c.client_secret),
            "org_id": c.org_id,
            "cert_type_map": {"DV": 7001, "OV": 7011, "EV": 7021},
        }
        fields.update(overrides)
        return Cred(**fields)  # type: ignore[arg-type]

    def legacy_cred(self, **overrides: object) -> Cred:
        c = self.sandbox.credentials
        fields: dict[str, object] = {
            "login": c.login,
            "password": SecretStr(c.password),
            "customer_uri": c.customer_uri,
            "org_id": c.org_id,
            "cert_type_map": {"DV": 7001, "OV": 7011, "EV": 7021},
        }
        fields.update(overrides)
        return Cred(**fields)  # type: ignore[arg-type]

    def enroll_cred(self, **overrides: object) -> Cred:
        c = self.sandbox.credentials
        fields: dict[str, object] = {
            "client_id": c.enroll_client_id,
            "client_secret": SecretStr(c.enroll_client_secret),
        }
        fields.update(overrides)
        return Cred(**fields)  # type: ignore[arg-type]

    def retry(self) -> RetryPolicy:
        async def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        return RetryPolicy(attempts=3, base_delay_s=0.01, max_delay_s=0.05, sleep=sleep)

    def run(self, body: Callable[[], Awaitable[None]]) -> None:
        """Run ``body`` in a fresh event loop, then close every client it opened (an open
        keep-alive connection would hold the server's shutdown)."""

        async def wrapper() -> None:
            try:
                await body()
            finally:
                while self.opened:
                    await self.opened.pop().aclose()

        asyncio.run(wrapper())

    def _keep(self, ca: CertificateAuthority) -> CertificateAuthority:
        self.opened.append(ca)
        return ca

    def admin(self, cred: Cred | None = None, **kwargs: object) -> CertificateAuthority:
        return self._keep(
            open_ca(
                scm_url=self.admin_url,
                credential=cred or self.admin_cred(),
                auth_url=kwargs.pop("auth_url", self.auth_url),  # type: ignore[arg-type]
                ca_bundle=self.ca_bundle,
                retry=self.retry(),
                **kwargs,  # type: ignore[arg-type]
            )
        )

    def enrollment(self, cred: Cred | None = None, **kwargs: object) -> CertificateAuthority:
        return self._keep(
            open_ca(
                scm_url=self.url,
                credential=cred or self.enroll_cred(),
                auth_url=kwargs.pop("auth_url", self.auth_url),  # type: ignore[arg-type]
                ca_bundle=self.ca_bundle,
                retry=self.retry(),
                **kwargs,  # type: ignore[arg-type]
            )
        )

    def raw(self, timeout: float = 10.0) -> httpx.AsyncClient:
        verify = ssl.create_default_context(cafile=str(self.ca_bundle))
        return httpx.AsyncClient(base_url=self.url, verify=verify, timeout=timeout)


@pytest.fixture
def start_scm(sandbox_ca: SandboxCA, ca_bundle: Path) -> Iterator[Callable[..., Running]]:
    servers: list[LoopbackServer] = []
    opened: list[CertificateAuthority] = []

    def start(**settings: object) -> Running:
        sandbox = ScmSandbox(sandbox_ca, settings=ScmSandboxSettings(**settings))  # type: ignore[arg-type]
        server = LoopbackServer(sandbox.app, sandbox_ca).start()
        servers.append(server)
        return Running(sandbox, server.url, ca_bundle, [], opened)

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def scm(start_scm: Callable[..., Running]) -> Running:
    return start_scm()


def make_csr(
    common_name: str, sans: tuple[str, ...] = (), *, key: str = "ec"
) -> tuple[str, x509.CertificateSigningRequest]:
    private: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    if key == "ec":
        private = ec.generate_private_key(ec.SECP256R1())
    elif key == "p521":
        private = ec.generate_private_key(ec.SECP521R1())
    else:
        private = rsa.generate_private_key(
            public_exponent=65537, key_size=int(key.removeprefix("rsa"))
        )
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    )
    if sans:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), critical=False
        )
    csr = builder.sign(private, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode(), csr


def enroll_request(
    common_name: str = "www.example.org",
    sans: tuple[str, ...] = ("api.example.org",),
    *,
    request_id: str = "req-0001",
    key: str = "ec",
    **overrides: object,
) -> EnrollRequest:
    pem, _ = make_csr(common_name, sans, key=key)
    fields: dict[str, object] = {
        "csr_pem": pem,
        "common_name": common_name,
        "dns_names": (common_name, *sans),
        "request_id": request_id,
        "cert_type": "DV",
        "term_days": None,
        "comments": "issued by pancert tests",
    }
    fields.update(overrides)
    return EnrollRequest(**fields)  # type: ignore[arg-type]


async def collect_issued(ca: CertificateAuthority, order_id: int, *, tries: int = 4) -> IssuedChain:
    """Collect until the chain comes, as the lifecycle does: like SCM, the sandbox answers
    "being processed" at least once before it hands out a chain."""
    for _ in range(tries):
        result = await ca.collect(order_id)
        if isinstance(result, IssuedChain):
            return result
    raise AssertionError(f"order {order_id} still pending after {tries} collects")
