"""Hand-written fakes of the two lifecycle ports (no mocks): a firewall that keeps its
candidate and running configuration in memory and makes real keys and CSRs, and a CA that
signs with the sandbox CA. Both record the calls made, and either can be told to fail an
operation with a given error."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from pancert.errors import PancertError
from pancert.lifecycle import ports
from pancert.panos.errors import BindingTargetError, ForeignChangesError, StillReferencedError
from pancert.panos.models import (
    CertificateEntry,
    CommitResult,
    CsrRequest,
    HaState,
    JobResult,
    KeyAlgorithm,
    Location,
    Reference,
    ReferenceKind,
)
from pancert.panos.snapshot import ConfigSnapshot
from pancert.sandbox.ca import SandboxCA
from pancert.scm.models import (
    ApiKind,
    EnrollRequest,
    IssuedChain,
    LookupOutcome,
    OrderLookup,
    OrderRef,
    Pending,
)

PROFILES = "/config/shared/ssl-tls-service-profile"


@dataclass
class FakeObject:
    csr_pem: str | None = None
    certificate_pem: str | None = None


@dataclass
class Config:
    objects: dict[str, FakeObject] = field(default_factory=dict)
    profiles: dict[str, str] = field(default_factory=dict)
    """SSL/TLS service profile name → the certificate it names."""


class FakeFirewall:
    """One firewall, ``shared`` location only."""

    def __init__(self, *, passive: bool = False) -> None:
        self.candidate = Config()
        self.running = Config()
        self.passive = passive
        self.calls: list[str] = []
        self.failures: dict[str, PancertError] = {}
        self.change_owner: str | None = None
        """The admin PAN-OS credits our candidate changes to (None: whoever commits); the
        ``admin`` attribute the real firewall writes on a changed node."""
        self.owner_checks: list[tuple[str, str]] = []
        self.presented: list[CertificateEntry] | None = None
        """When set, what :meth:`certificates` answers (entries the planner's table builds)."""
        self._jobs = 0

    def _call(self, operation: str) -> None:
        self.calls.append(operation)
        if operation in self.failures:
            raise self.failures[operation]

    def install(self, name: str, certificate_pem: str, *, profile: str | None = None) -> None:
        """Seed a signed object (committed), optionally used by an SSL/TLS profile."""
        self.candidate.objects[name] = FakeObject(certificate_pem=certificate_pem)
        if profile is not None:
            self.candidate.profiles[profile] = name
        self.running = copy.deepcopy(self.candidate)

    def _xml(self, config: Config) -> etree._Element:
        shared = etree.Element("shared")
        certificates = etree.SubElement(shared, "certificate")
        for name, obj in config.objects.items():
            entry = etree.SubElement(certificates, "entry", name=name)
            if obj.certificate_pem is not None:
                etree.SubElement(entry, "public-key").text = obj.certificate_pem
            elif obj.csr_pem is not None:
                etree.SubElement(entry, "csr").text = obj.csr_pem
            etree.SubElement(entry, "private-key").text = "(on the firewall)"
        services = etree.SubElement(shared, "ssl-tls-service-profile")
        for profile, certificate in config.profiles.items():
            entry = etree.SubElement(services, "entry", name=profile)
            etree.SubElement(entry, "certificate").text = certificate
        return shared

    async def ha_state(self) -> HaState:
        self._call("ha_state")
        return HaState(enabled=True, local_state="passive" if self.passive else "active")

    async def certificates(self, location: Location) -> list[CertificateEntry]:
        self._call("certificates")
        if self.presented is not None:
            return list(self.presented)
        return ConfigSnapshot(self._xml(self.candidate), None).certificates(location)

    async def generate_csr(self, request: CsrRequest, location: Location) -> str:
        self._call("generate_csr")
        key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
        if request.algorithm is KeyAlgorithm.EC:
            key = ec.generate_private_key(ec.SECP256R1())
        else:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        csr = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, request.common_name)]))
            .add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in request.dns_names]),
                critical=False,
            )
            .sign(key, hashes.SHA256())
        )
        pem = csr.public_bytes(serialization.Encoding.PEM).decode()
        self.candidate.objects[request.name] = FakeObject(csr_pem=pem)
        return "generated"

    async def export_csr(self, name: str, location: Location) -> str:
        self._call("export_csr")
        csr = self.candidate.objects[name].csr_pem
        assert csr is not None
        return csr

    async def import_certificate(self, name: str, location: Location, chain: Sequence[str]) -> str:
        self._call("import_certificate")
        self.candidate.objects[name].certificate_pem = "".join(chain)
        return "imported"

    async def delete_certificate(self, name: str, location: Location) -> None:
        self._call("delete_certificate")
        users = [p for p, c in self.candidate.profiles.items() if c == name]
        if users:
            paths = tuple(f"{PROFILES}/entry[@name='{p}']/certificate" for p in users)
            raise StillReferencedError(13, paths)
        del self.candidate.objects[name]

    async def snapshot(self, *, running: bool = False) -> ConfigSnapshot:
        self._call("snapshot")
        return ConfigSnapshot(self._xml(self.running if running else self.candidate), None)

    async def binding(self, kind: ReferenceKind, name: str, location: Location) -> Reference:
        self._call("binding")
        if kind is not ReferenceKind.SSL_TLS_SERVICE_PROFILE or name not in (
            self.candidate.profiles
        ):
            raise BindingTargetError(kind, name, location.name)
        xpath = f"{PROFILES}/entry[@name='{name}']/certificate"
        return Reference(kind, name, xpath, location, self.candidate.profiles[name])

    async def rebind(self, reference: Reference, new_name: str) -> None:
        self._call("rebind")
        self.candidate.profiles[reference.name] = new_name

    async def check_owner(self, xpath: str, commit_user: str) -> None:
        self._call("check_owner")
        self.owner_checks.append((xpath, commit_user))
        if self.change_owner is not None and self.change_owner != commit_user:
            raise ForeignChangesError(xpath, self.change_owner, commit_user)

    async def commit(self, admin: str, description: str | None = None) -> CommitResult:
        self._call("commit")
        self._jobs += 1
        self.running = copy.deepcopy(self.candidate)
        return CommitResult(self._jobs, "commit queued")

    async def job(self, job_id: int) -> JobResult:
        self._call("job")
        return JobResult(job_id, "FIN", "OK", 100)

    def expect_management_certificate(self, chain_pem: Sequence[str]) -> str:
        self._call("expect_management_certificate")
        return "00" * 32

    async def wait_for_job(self, job_id: int, timeout_s: float, *, sleep: ports.Sleep) -> JobResult:
        self._call("wait_for_job")
        return JobResult(job_id, "FIN", "OK", 100)


class FakeCA:
    """Issues at once (or stays pending while ``pending``), signing with the sandbox CA."""

    def __init__(self, ca: SandboxCA, *, api: ApiKind = ApiKind.ADMIN, days: int = 90) -> None:
        self.ca = ca
        self.api = api
        self.days = days
        self.pending = False
        self.answers: list[str | None] = []
        """Statuses of "being processed" answers to give before the chain, one per collect."""
        self.orders: dict[int, EnrollRequest] = {}
        self.calls: list[str] = []
        self.retired: list[tuple[int, int, bool]] = []
        self.failures: dict[str, PancertError] = {}

    def _call(self, operation: str) -> None:
        self.calls.append(operation)
        if operation in self.failures:
            raise self.failures[operation]

    async def enroll(self, request: EnrollRequest) -> OrderRef:
        self._call("enroll")
        order_id = 1000 + len(self.orders)
        self.orders[order_id] = request
        return OrderRef(order_id, None, self.api)

    async def collect(self, order_id: int) -> IssuedChain | Pending:
        self._call("collect")
        if self.pending:
            return Pending(order_id, "Applied")
        if self.answers:
            return Pending(order_id, self.answers.pop(0))
        request = self.orders[order_id]
        now = dt.datetime.now(dt.UTC)
        leaf = self.ca.sign_csr(
            x509.load_pem_x509_csr(request.csr_pem.encode()),
            common_name=request.common_name,
            dns_names=list(request.dns_names),
            not_before=now - dt.timedelta(hours=1),
            not_after=now + dt.timedelta(days=self.days),
        )
        pems = [
            c.public_bytes(serialization.Encoding.PEM).decode()
            for c in (leaf, self.ca.intermediate)
        ]
        return IssuedChain(order_id, tuple(pems))

    async def find_order(
        self, request_id: str, common_name: str, since: dt.datetime
    ) -> OrderLookup:
        self._call("find_order")
        for order_id, request in self.orders.items():
            if request.request_id == request_id:
                return OrderLookup(LookupOutcome.FOUND, order_id, api=self.api)
        return OrderLookup(LookupOutcome.NOT_FOUND, None, api=self.api)

    async def retire_superseded(
        self, old_order_id: int, new_order_id: int, *, revoke: bool
    ) -> None:
        self._call("retire_superseded")
        self.retired.append((old_order_id, new_order_id, revoke))


def _typed(fw: FakeFirewall, ca: FakeCA) -> None:
    """mypy proves the fakes implement the ports the lifecycle asks for."""
    firewall: ports.Firewall = fw
    authority: ports.CertificateAuthority = ca
    del firewall, authority
