"""Values the PAN-OS client returns. Frozen; the client keeps no state between calls."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class KeyAlgorithm(StrEnum):
    RSA = "RSA"
    EC = "EC"


@dataclass(frozen=True)
class Location:
    """Where configuration lives: ``shared`` or one ``vsysN``.

    All XPath building happens in :mod:`pancert.panos.xpaths` from this value, so Panorama
    templates and template stacks can be added there later without touching callers.
    """

    name: str  # "shared" or "vsys1", "vsys2", ...

    @property
    def is_shared(self) -> bool:
        return self.name == "shared"


SHARED = Location("shared")


@dataclass(frozen=True)
class CertificateEntry:
    """One ``certificate/entry`` of a location, as the candidate configuration holds it.

    ``pending`` entries hold a CSR and a key but no certificate yet (generated with
    ``signed-by external``); signed entries hold ``certificate_pem`` (PAN-OS calls it
    ``public-key``). Names, key facts and SANs of a signed entry come from parsing its PEM.
    """

    name: str
    location: Location
    has_private_key: bool
    csr_pem: str | None = None
    certificate_pem: str | None = None
    common_name: str | None = None
    subject: str | None = None
    issuer: str | None = None
    not_before: dt.datetime | None = None
    not_after: dt.datetime | None = None
    algorithm: KeyAlgorithm | None = None
    key_size: int | None = None
    """RSA modulus bits, or the EC curve size (256, 384, 521)."""
    dns_names: tuple[str, ...] = ()
    """subjectAltName DNS names of the certificate (or of the CSR while pending)."""
    revoked: bool = False
    is_ca: bool = False
    template: str | None = None
    """Name of the Panorama template that pushed this entry (``ptpl``), when template-owned."""
    admin: str | None = None
    """The ``admin`` attribute of an uncommitted candidate node, when present."""

    @property
    def pending(self) -> bool:
        return self.certificate_pem is None and self.csr_pem is not None


class ReferenceKind(StrEnum):
    """Every kind of configuration node a rotation must follow (panos.md §8)."""

    SSL_TLS_SERVICE_PROFILE = "ssl_tls_service_profile"
    """``ssl-tls-service-profile/entry/certificate`` names the certificate."""
    DECRYPTION_RULE = "decryption_rule"
    """SSL inbound inspection: ``type/ssl-inbound-inspection/certificates/member`` (10.2+) or
    the single value ``type/ssl-inbound-inspection`` before 10.2."""
    GLOBAL_PROTECT_PORTAL = "global_protect_portal"
    """Through the portal's ``portal-config/ssl-tls-service-profile`` (``via`` names it)."""
    GLOBAL_PROTECT_GATEWAY = "global_protect_gateway"
    """Through the gateway's ``ssl-tls-service-profile`` (``via`` names it)."""
    MANAGEMENT = "management"
    """Through ``deviceconfig/system/ssl-tls-service-profile`` (``via`` names it)."""
    IKE_GATEWAY = "ike_gateway"
    """``authentication/certificate/local-certificate/name``."""
    CERTIFICATE_PROFILE = "certificate_profile"
    """``certificate-profile/entry/CA/entry[@name]``."""


class ReferenceForm(StrEnum):
    """How the node names the certificate, which decides how :meth:`rebind` rewrites it."""

    TEXT = "text"  # <certificate>NAME</certificate>
    MEMBER = "member"  # <certificates><member>NAME</member>...</certificates>
    ENTRY = "entry"  # <CA><entry name="NAME"/></CA>


@dataclass(frozen=True)
class Reference:
    """A configuration node that names a certificate, and how to repoint it.

    ``xpath`` is the element whose text is the certificate name (``TEXT``), the list holding
    a ``member`` (``MEMBER``) or the list holding an ``entry`` (``ENTRY``). Uses that go
    through an SSL/TLS service profile (GlobalProtect, the management interface) carry the
    profile in ``via`` and point ``xpath`` at that profile's ``certificate``: repointing the
    profile is what moves them, so rebinding either spelling does the same single write.
    """

    kind: ReferenceKind
    name: str  # the owning object's name (profile, rule, gateway, ...)
    xpath: str
    location: Location
    certificate: str = ""
    """The certificate the node names now; empty for a binding that names none yet."""
    form: ReferenceForm = ReferenceForm.TEXT
    via: str | None = None
    template: str | None = None


@dataclass(frozen=True)
class CsrRequest:
    """What ``request certificate generate … signed-by external`` needs (panos.md §4)."""

    name: str
    common_name: str
    algorithm: KeyAlgorithm = KeyAlgorithm.RSA
    key_size: int = 2048
    digest: str = "sha256"
    dns_names: tuple[str, ...] = ()
    ip_addresses: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    country: str | None = None
    state: str | None = None
    locality: str | None = None
    organization: str | None = None
    organizational_units: tuple[str, ...] = ()
    email: str | None = None


@dataclass(frozen=True)
class SystemInfo:
    model: str
    sw_version: str
    serial: str
    hostname: str
    panorama_managed: bool


@dataclass(frozen=True)
class HaState:
    enabled: bool
    local_state: str | None = None  # "active", "passive", "active-primary", ...
    running_sync: str | None = None  # "synchronized", "not synchronized", ...
    sync_enabled: bool | None = None  # running-sync-enabled
    peer_state: str | None = None

    @property
    def passive(self) -> bool:
        return self.enabled and (self.local_state or "").startswith("passive")

    @property
    def active(self) -> bool:
        """``active``, or ``active-primary``/``active-secondary`` in active/active mode."""
        return self.enabled and (self.local_state or "").startswith("active")

    @property
    def synchronized(self) -> bool:
        return self.running_sync == "synchronized"


@dataclass(frozen=True)
class CommitResult:
    """Outcome of a commit request: a job to poll, or nothing to commit."""

    job_id: int | None
    message: str


@dataclass(frozen=True)
class JobResult:
    job_id: int
    status: str  # ACT, PEND, FIN
    result: str  # PEND, OK, FAIL
    progress: int
    details: tuple[str, ...] = field(default=())

    @property
    def finished(self) -> bool:
        return self.status == "FIN"

    @property
    def ok(self) -> bool:
        return self.finished and self.result == "OK"
