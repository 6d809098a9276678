"""What the sandbox SCM emulates and how it behaves: tenant data, delays, limits and switches.

Every behaviour the references mark unverified or conflicting is a switch here, so the client
suite can run against each reading (docs/sandbox-fidelity.md lists them with their sources).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

PendingCode = Literal[0, -1400, -183, -109, -103]


@dataclass(frozen=True)
class CertType:
    """One certificate profile as ``GET /api/ssl/v1/types`` reports it (scm.md §3.1)."""

    id: int
    name: str
    level: Literal["DV", "OV", "EV"]
    terms: tuple[int, ...]
    key_types: dict[str, tuple[str, ...]]
    description: str = ""
    plain_name: str = ""
    """The name with no DV/OV/EV word, as many tenants' types are named (switch
    ``level_words_in_type_names``); empty = the same as ``name``."""
    orgs: tuple[int, ...] = ()
    """Organizations (or departments) offered this type; empty = every organization."""

    def offered_to(self, org_id: int) -> bool:
        return not self.orgs or org_id in self.orgs

    def as_json(self, *, level_words: bool = True) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name if level_words or not self.plain_name else self.plain_name,
            "description": self.description,
            "terms": list(self.terms),
            "keyTypes": {k: list(v) for k, v in self.key_types.items()},
            "useSecondaryOrgName": False,
        }


_RSA = ("2048", "3072", "4096", "8192")
_EC = ("P-256", "P-384")

OTHER_ORG_ID = 4399
"""An organization of the tenant that is not the sandbox's: ``/types`` is filtered per
organization (python-cert_manager and SCM's 25.5 doc: ``organizationId``)."""

DEFAULT_TYPES: tuple[CertType, ...] = (
    CertType(
        7001,
        "Sandbox SSL (DV)",
        "DV",
        (47, 90, 100, 200, 365, 397),
        {"RSA": _RSA, "EC": _EC},
        plain_name="InCommon SSL (SHA-2)",
    ),
    CertType(
        7002,
        "Sandbox Multi-Domain SSL (DV)",
        "DV",
        (90, 200, 365),
        {"RSA": _RSA},
        plain_name="InCommon Multi Domain SSL (SHA-2)",
    ),
    CertType(
        7011,
        "Sandbox OV SSL",
        "OV",
        (47, 100, 200, 365, 397),
        {"RSA": _RSA, "EC": _EC},
        plain_name="Sectigo Enterprise Pro SSL",
    ),
    CertType(
        7012,
        "Sandbox OV Multi-Domain",
        "OV",
        (200, 365),
        {"RSA": _RSA, "EC": _EC},
        plain_name="Sectigo Enterprise Pro Multi-Domain",
    ),
    CertType(
        7021,
        "Sandbox EV SSL",
        "EV",
        (47, 100, 200, 365),
        {"RSA": _RSA, "EC": _EC},
        plain_name="Sectigo Enterprise Premium SSL",
    ),
    CertType(
        7022,
        "Sandbox EV Multi-Domain",
        "EV",
        (200, 365),
        {"RSA": ("2048", "4096")},
        plain_name="Sectigo Enterprise Premium Multi-Domain",
    ),
    CertType(
        7031,
        "Other Org SSL (DV)",
        "DV",
        (90, 200, 365),
        {"RSA": _RSA, "EC": _EC},
        plain_name="Other Org SSL",
        orgs=(OTHER_ORG_ID,),
    ),
)


@dataclass(frozen=True)
class CustomField:
    id: int
    name: str
    mandatory: bool


@dataclass(frozen=True)
class Switches:
    """Tenant variants and readings of unverified or conflicting reference text; defaults are
    the likeliest (docs/sandbox-fidelity.md gives the source of each)."""

    pending_code: PendingCode | None = None
    """Code of the "not issued yet" error: None = 0 on the Admin API (400) and -109 on the REST
    Enrollment API (404), as the references describe them; a value forces it on both."""
    ignore_date_format: bool = False
    """Answer dates as ``MM/dd/yyyy`` even when the client asks for ``dateFormat``."""
    reversed_chain: bool = False
    """Every chain format lists its certificates in the opposite of the documented order."""
    cross_signed: bool = True
    """Chains carry a cross-signed root and the legacy root above it (4 certificates)."""
    add_www_twin: bool = True
    """A single-name certificate also gets its ``www.``/apex twin as a SAN, as public CAs do."""
    path_form_collect_only: bool = False
    """Only ``/collect/{id}/{format}`` answers; the query form is unknown (404)."""
    revoke_reason_code_as_string: bool = False
    """Reject a numeric ``reasonCode`` (spec B's string enum) instead of accepting both."""
    dcv_prevalidation: bool = True
    """Domains must be validated before ordering (else -1137, whatever ``dcvMode`` says);
    False: a tenant without DCV pre-validation, where enroll needs ``dcvMode`` and the order
    waits for DCV."""
    require_external_requester: bool = False
    """Enroll without ``externalRequester`` is refused with -139."""
    level_words_in_type_names: bool = True
    """False: ``/types`` names carry no DV/OV/EV word (e.g. "InCommon SSL (SHA-2)")."""
    declined_not_collectable: bool = True
    """Collect of a declined, rejected or invalid order answers -183 "not collectable"
    (else -130 "not ISSUED")."""
    bare_token_url_challenge: bool = False
    """The 401 challenge is the bare token URL (spec B's example) instead of
    ``Bearer realm=…, authorization_uri=…``."""


@dataclass
class ScmSandboxSettings:
    """Behaviour of one sandbox SCM. Delays are seconds; ``None`` disables the limit."""

    latency_s: float = 0.0
    """Added to every API call (benchmarks)."""
    dv_issue_delay_s: float = 0.0
    """From enroll (or approval) to Issued."""
    pending_collects: int = 1
    """Collects of each order answered "being processed" before the chain, however early the
    certificate was issued: the real service answers so at least once for a DV order."""
    approval_delay_s: float | None = None
    """OV/EV orders approve themselves after this long; None = only ``/_sandbox/approve``."""
    rate_limit_per_s: float | None = None
    """Per account; beyond it 429 with ``Retry-After`` (not documented by Sectigo)."""
    token_lifetime_s: int = 300
    org_validated: bool = True
    """The organization's OV/EV validation is valid (else -843 on OV/EV enroll)."""
    enroll_auto_approve: bool = False
    """The REST Enrollment account's auto-approve switch (overrides OV/EV approval)."""
    validated_domains: tuple[str, ...] = ("example.org", "example.com", "sandbox.test")
    types: tuple[CertType, ...] = DEFAULT_TYPES
    custom_fields: tuple[CustomField, ...] = (
        CustomField(1, "Cost Center", mandatory=False),
        CustomField(2, "Requester Team", mandatory=False),
    )
    org_id: int = 4321
    org_name: str = "Example Org"
    department_id: int = 4322
    extra_orgs: tuple[tuple[int, str], ...] = ()
    """More organizations visible to the admin (for org resolution errors)."""
    switches: Switches = field(default_factory=Switches)
    first_order_id: int = 100001


CABF_LIMITS: tuple[tuple[dt.date, int], ...] = (
    (dt.date(2029, 3, 15), 47),
    (dt.date(2027, 3, 15), 100),
    (dt.date(2026, 3, 15), 200),
)
"""CA/Browser Forum ballot SC-081 maximum validity (days) from each date on; 397 before."""


def cabf_max_days(on: dt.date) -> int:
    for since, days in CABF_LIMITS:
        if on >= since:
            return days
    return 397
