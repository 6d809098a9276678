"""The one order store behind both sandbox APIs, and issuance with a real chain.

As in real SCM, an order placed through the REST Enrollment API is the same record the Admin
API lists and details (``certId`` == ``sslId``; unverified upstream, see the fidelity notes).
Status moves lazily: every read calls :meth:`OrderStore.advance` with the current time, so
delays need no background task and a paused test sees a consistent store.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from dataclasses import dataclass

from cryptography import x509

from pancert.sandbox.ca import SandboxCA
from pancert.sandbox.scm.settings import CertType, ScmSandboxSettings, cabf_max_days


class ApiError(Exception):
    """An SCM error envelope ``{code, description}`` with its HTTP status (scm.md §4)."""

    def __init__(
        self, status: int, code: int, description: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description
        self.headers = headers or {}


@dataclass
class Order:
    org_id: int
    cert_type: CertType
    term: int
    csr: x509.CertificateSigningRequest
    common_name: str
    sans: list[str]
    comments: str
    external_requester: str
    custom_fields: list[dict[str, str]]
    requested_via: str
    requester: str
    requested: dt.datetime
    id: int = 0
    renew_id: str = ""
    status: str = "Requested"
    dcv_pending: bool = False
    approved: dt.datetime | None = None
    issue_at: dt.datetime | None = None
    issued: dt.datetime | None = None
    certificate: x509.Certificate | None = None
    revoked: dt.datetime | None = None
    reason_code: int | None = None
    renewed: bool = False
    renewed_date: dt.datetime | None = None
    declined: dt.datetime | None = None
    auto_renew_state: str = "Not scheduled"
    """SCM's own auto-renewal (``autoRenewDetails.state``), set in SCM's UI by an admin."""
    pending_left: int = 0
    """Collects still to be answered "being processed" whatever the status."""

    @property
    def expires(self) -> dt.datetime | None:
        return self.certificate.not_valid_after_utc if self.certificate else None

    def summary(self) -> dict[str, object]:
        """What ``/_sandbox/state`` shows for this order."""
        return {
            "id": self.id,
            "renewId": self.renew_id,
            "status": self.status,
            "commonName": self.common_name,
            "subjectAlternativeNames": list(self.sans),
            "comments": self.comments,
            "certType": self.cert_type.id,
            "level": self.cert_type.level,
            "term": self.term,
            "orgId": self.org_id,
            "requestedVia": self.requested_via,
            "requested": self.requested.isoformat(),
            "issued": self.issued.isoformat() if self.issued else None,
            "expires": self.expires.isoformat() if self.expires else None,
            "serialNumber": serial_text(self.certificate) if self.certificate else None,
        }


def serial_text(cert: x509.Certificate) -> str:
    raw = f"{cert.serial_number:X}"
    raw = raw if len(raw) % 2 == 0 else "0" + raw
    return ":".join(raw[i : i + 2] for i in range(0, len(raw), 2))


def covered(name: str, domains: tuple[str, ...]) -> bool:
    name = name.lower().removeprefix("*.")
    return any(name == d or name.endswith("." + d) for d in domains)


class OrderStore:
    """Thread-safe: the server thread writes while a test inspects it in-process."""

    def __init__(self, ca: SandboxCA, settings: ScmSandboxSettings) -> None:
        self._ca = ca
        self.settings = settings
        self._lock = threading.RLock()
        self._orders: dict[int, Order] = {}
        self._next_id = settings.first_order_id
        self._next_validity: tuple[dt.datetime, dt.datetime] | None = None
        self.validated_domains: list[str] = list(settings.validated_domains)
        self._cross = ca.cross_signed_by_legacy_root()

    def add(self, order: Order) -> Order:
        """Store a new order, giving it the next id and a renewId."""
        with self._lock:
            order.id, order.renew_id = self._next_id, secrets.token_urlsafe(14)
            self._next_id += 1
            order.pending_left = self.settings.pending_collects
            self._orders[order.id] = order
            self._schedule(order, order.requested)
            return order

    def get(self, order_id: int, now: dt.datetime) -> Order:
        with self._lock:
            order = self._orders.get(order_id)
            if order is None:
                raise ApiError(404, -124, "Wrong certificate id: no such certificate.")
            self.advance(now)
            return order

    def all(self, now: dt.datetime) -> list[Order]:
        with self._lock:
            self.advance(now)
            return sorted(self._orders.values(), key=lambda o: o.id)

    def set_next_validity(self, not_before: dt.datetime, not_after: dt.datetime) -> None:
        with self._lock:
            self._next_validity = (not_before, not_after)

    def validate_domain(self, domain: str, now: dt.datetime) -> None:
        with self._lock:
            self.validated_domains.append(domain.lower())
            for order in self._orders.values():
                if order.dcv_pending and all(
                    covered(n, tuple(self.validated_domains)) for n in order.sans
                ):
                    order.dcv_pending = False
                    self._schedule(order, now)

    def approve(self, order_id: int, now: dt.datetime) -> Order:
        with self._lock:
            order = self.get(order_id, now)
            if order.status != "Requested":
                raise ApiError(
                    400, -1112, f"Certificate is in status {order.status}, not Requested."
                )
            self._approve(order, now)
            return order

    def decline(self, order_id: int, now: dt.datetime) -> Order:
        with self._lock:
            order = self.get(order_id, now)
            if order.status != "Requested":
                raise ApiError(
                    400, -1112, f"Certificate is in status {order.status}, not Requested."
                )
            order.status, order.declined = "Declined", now
            return order

    def revoke(self, order_id: int, reason_code: int, now: dt.datetime) -> Order:
        with self._lock:
            order = self.get(order_id, now)
            if order.status != "Issued":
                raise ApiError(400, -102, "Only issued certificates can be revoked.")
            order.status, order.revoked, order.reason_code = "Revoked", now, reason_code
            return order

    def advance(self, now: dt.datetime) -> None:
        """Apply every transition whose time has come (approval delay, issuance delay)."""
        with self._lock:
            for order in self._orders.values():
                delay = self.settings.approval_delay_s
                if (
                    order.status == "Requested"
                    and delay is not None
                    and now >= order.requested + dt.timedelta(seconds=delay)
                ):
                    self._approve(order, order.requested + dt.timedelta(seconds=delay))
                if (
                    order.status == "Applied"
                    and order.issue_at is not None
                    and now >= order.issue_at
                ):
                    self._issue(order, now)

    def _schedule(self, order: Order, since: dt.datetime) -> None:
        if order.cert_type.level != "DV" and order.approved is None:
            return  # OV/EV wait in Requested for an approval
        order.status = "Applied"
        delay = dt.timedelta(seconds=self.settings.dv_issue_delay_s)
        order.issue_at = None if order.dcv_pending else since + delay

    def _approve(self, order: Order, when: dt.datetime) -> None:
        order.approved = when
        order.status = "Applied"
        self._schedule(order, when)

    def _issue(self, order: Order, now: dt.datetime) -> None:
        if self._next_validity is not None:
            not_before, not_after = self._next_validity
            self._next_validity = None
        else:
            not_before = now.replace(microsecond=0) - dt.timedelta(minutes=5)
            days = min(order.term, cabf_max_days(now.date()))
            not_after = not_before + dt.timedelta(days=days)
        order.certificate = self._ca.sign_csr(
            order.csr,
            common_name=order.common_name,
            dns_names=order.sans,
            not_before=not_before,
            not_after=not_after,
        )
        order.status, order.issued = "Issued", now

    def take_pending_answer(self, order: Order) -> bool:
        """True (and one fewer left) while the order still owes a "being processed" answer."""
        with self._lock:
            if order.pending_left <= 0:
                return False
            order.pending_left -= 1
            return True

    def chain(self, order: Order) -> list[x509.Certificate]:
        """Leaf first, each certificate then its issuer: leaf, intermediate, and the root, or
        (switch ``cross_signed``) the root cross-signed by the legacy root, then that root."""
        assert order.certificate is not None
        if self.settings.switches.cross_signed:
            return [order.certificate, self._ca.intermediate, *self._cross]
        return [order.certificate, self._ca.intermediate, self._ca.root]
