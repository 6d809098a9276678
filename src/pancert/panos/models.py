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


@dataclass(frozen=True)
class Reference:
    """A configuration node that names a certificate, and how to repoint it.

    ``xpath`` is the element whose text is the certificate name (or the ``member`` inside a
    list); ``kind`` says what it is (for reports and the management-interface guard).
    """

    kind: str  # "ssl_tls_service_profile", "decryption_rule", "global_protect", ...
    name: str  # the owning object's name (profile, rule, gateway, ...)
    xpath: str
    location: Location
    template: str | None = None


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

    @property
    def passive(self) -> bool:
        return self.enabled and (self.local_state or "").startswith("passive")


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
