"""Typed messages between pancert and Sectigo SCM (either API). Frozen values only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class ApiKind(StrEnum):
    ENROLLMENT = "enrollment"
    """The REST Enrollment API (``*.enroll.*`` hosts, ``/api/v1/certificates``), OAuth only."""
    ADMIN = "admin"
    """The Admin API (``/api/ssl/v1``), OAuth or legacy login/password/customerUri headers."""
    ACME = "acme"
    """An RFC 8555 ACME directory (``kind: acme`` credentials, :mod:`pancert.acme`)."""


@dataclass(frozen=True)
class EnrollRequest:
    """Everything an order needs. ``request_id`` is pancert's idempotency token: it is
    appended to ``comments`` so :meth:`CertificateAuthority.find_order` can find the order
    again after a crash between sending it and recording the answer."""

    csr_pem: str
    common_name: str
    dns_names: tuple[str, ...]
    """Every SAN to order; the CN is always among them."""
    request_id: str
    cert_type: str | int | None = None
    """DV/OV/EV, an exact type name, or a numeric id (resolved by the client)."""
    term_days: int | None = None
    org_id: int | None = None
    comments: str = ""
    external_requester: str | None = None
    custom_fields: dict[str, str] = field(default_factory=dict)
    num_servers: int | None = None
    server_type: int | None = None


@dataclass(frozen=True)
class OrderRef:
    order_id: int
    """``sslId`` (Admin API) or ``certId`` (REST Enrollment API)."""
    renew_id: str | None = None
    api: ApiKind = ApiKind.ADMIN


@dataclass(frozen=True)
class IssuedChain:
    """What collect returned once issued: the leaf first, then the rest as the CA sent it
    (order not trusted; callers order by issuer before installing)."""

    order_id: int
    certificates_pem: tuple[str, ...]


@dataclass(frozen=True)
class Pending:
    """Not issued yet (being processed, awaiting approval); collect again later."""

    order_id: int
    status: str | None = None
    code: int | None = None
    description: str | None = None


@dataclass(frozen=True)
class OrderDetails:
    order_id: int
    status: str
    common_name: str | None = None
    comments: str | None = None
    requested: dt.datetime | None = None
    expires: dt.datetime | None = None
    serial_number: str | None = None
    dns_names: tuple[str, ...] = ()
    auto_renew_state: str | None = None


class LookupOutcome(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    UNSUPPORTED = "unsupported"
    """The API offers no way to look the order up; a person must check SCM."""


@dataclass(frozen=True)
class OrderLookup:
    outcome: LookupOutcome
    order_id: int | None = None
    detail: str = ""
    api: ApiKind = ApiKind.ADMIN
    """Which API the found order id belongs to (``sslId`` or ``certId``)."""


@dataclass(frozen=True)
class ResolvedProduct:
    """What an order will carry after type/term/org resolution (``None``: the REST
    Enrollment account decides)."""

    cert_type_id: int | None
    cert_type_name: str | None
    term_days: int | None
    org_id: int | None
