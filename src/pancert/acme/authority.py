"""The ACME implementation of the lifecycle's CA interface.

``enroll`` places the order from the firewall's CSR and records its URL in the order book
before returning; ``collect`` drives that order (authorizations, DNS-01, finalize, download)
until issued or until the CA asks to wait; ``find_order`` answers from the order book, which is
written before and after the new-order request. An unfinalized ACME order issues nothing, so
a crash before its URL was recorded costs an abandoned pending order at the CA, never a second
certificate. Calls for one account are serialized (one nonce pool, one signing key).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import requests
from acme import messages
from cryptography import x509

from pancert.acme.account import Session, open_session
from pancert.acme.dns01 import publisher_for
from pancert.acme.errors import (
    AcmeError,
    AcmeOrderError,
    AcmeOutcomeUnknown,
    from_acme,
)
from pancert.acme.orderbook import OrderBook, OrderEntry, order_number
from pancert.acme.orders import OrderDriver, identifiers, new_order
from pancert.acme.renewal import (
    AriCache,
    AriWindow,
    RenewalHint,
    cert_id,
    lifetime_hint,
    parse_window,
)
from pancert.config.acme import AcmeCredential
from pancert.scm.models import (
    ApiKind,
    EnrollRequest,
    IssuedChain,
    LookupOutcome,
    OrderDetails,
    OrderLookup,
    OrderRef,
    Pending,
    ResolvedProduct,
)

log = logging.getLogger("pancert.acme")
_T = TypeVar("_T")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def split_chain(pem: str) -> tuple[str, ...]:
    marker = "-----END CERTIFICATE-----"
    parts = [p.strip() + "\n" + marker + "\n" for p in pem.split(marker) if "BEGIN" in p]
    return tuple(p.lstrip() for p in parts)


class AcmeAuthority:
    def __init__(
        self,
        credential: AcmeCredential,
        state_path: Path,
        *,
        gnupg_home: Path | None = None,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.credential = credential
        self.state_path = state_path
        self.gnupg_home = gnupg_home
        self.clock = clock
        self.book = OrderBook(state_path)
        self.ari = AriCache(state_path)
        self._session: Session | None = None
        self._lock = threading.Lock()

    @property
    def api(self) -> ApiKind:
        return ApiKind.ACME

    # plumbing ------------------------------------------------------------------------------

    async def _run(self, fn: Callable[[], _T]) -> _T:
        def locked() -> _T:
            with self._lock:
                return fn()

        return await asyncio.to_thread(locked)

    def _open(self) -> Session:
        if self._session is None:
            self._session = open_session(self.credential, self.state_path, self.gnupg_home)
        return self._session

    # the CA interface ----------------------------------------------------------------------

    async def check_access(self) -> str:
        session = await self._run(self._open)
        eab = "with EAB" if self.credential.eab_kid else "without EAB"
        return f"ACME account {session.account_url} ({eab}) at {self.credential.directory_url}"

    async def resolve_product(self, request: EnrollRequest) -> ResolvedProduct:
        profile = self.credential.profile
        return ResolvedProduct(None, f"ACME profile {profile}" if profile else "ACME", None, None)

    async def enroll(self, request: EnrollRequest) -> OrderRef:
        return await self._run(lambda: self._enroll(request))

    def _enroll(self, request: EnrollRequest) -> OrderRef:
        entry = self.book.by_request(request.request_id)
        if entry is not None and entry.order_id is not None:
            return OrderRef(entry.order_id, api=ApiKind.ACME)
        session = self._open()
        replaces = self._replaces(session, request.csr_pem)
        entry = self.book.save(
            OrderEntry(
                request_id=request.request_id,
                label=self.credential.label,
                directory_url=self.credential.directory_url,
                csr_pem=request.csr_pem,
                created_at=self.clock(),
                replaces=replaces,
            )
        )
        url, status = self._post_order(session, request.csr_pem, replaces)
        entry.order_url, entry.order_id, entry.status = url, order_number(url), status
        self.book.save(entry)  # the order URL is durable before anything else happens
        log.info("ACME order %s placed (%s)", url, status)
        return OrderRef(entry.order_id, api=ApiKind.ACME)

    def _post_order(self, session: Session, csr_pem: str, replaces: str | None) -> tuple[str, str]:
        profile = self.credential.profile
        try:
            return new_order(session, csr_pem, profile=profile, replaces=replaces)
        except messages.Error as exc:
            if replaces and exc.code == "alreadyReplaced":
                log.info("ACME: the CA says %s was already replaced; ordering without", replaces)
                return self._post_order(session, csr_pem, None)
            raise from_acme(exc, "ACME new order") from exc
        except requests.RequestException as exc:
            raise AcmeOutcomeUnknown(f"ACME new order: {exc}", operation="new order") from exc
        except AcmeError:
            raise
        except Exception as exc:
            raise from_acme(exc, "ACME new order") from exc

    def _replaces(self, session: Session, csr_pem: str) -> str | None:
        """The certID of the newest issued certificate for the same names (RFC 9773 §5)."""
        if not session.has("renewalInfo"):
            return None
        wanted = {i.value for i in identifiers(csr_pem)}
        issued = [
            e
            for e in self.book.entries()
            if e.chain_pem and e.label == self.credential.label and not e.revoked
            if {i.value for i in identifiers(e.csr_pem)} == wanted
        ]
        if not issued:
            return None
        newest = max(issued, key=lambda e: e.created_at)
        assert newest.chain_pem is not None
        return cert_id(x509.load_pem_x509_certificate(newest.chain_pem.encode()))

    async def collect(self, order_id: int) -> IssuedChain | Pending:
        return await self._run(lambda: self._collect(order_id))

    def _collect(self, order_id: int) -> IssuedChain | Pending:
        entry = self.book.by_number(order_id)
        if entry.chain_pem:
            return IssuedChain(order_id, split_chain(entry.chain_pem))
        now = self.clock()
        if entry.next_poll is not None and now < entry.next_poll:
            return Pending(
                order_id,
                entry.status,
                description=f"CA asked to wait until {entry.next_poll:%H:%M:%S}",
            )
        session = self._open()
        if entry.status == "invalid":
            self._replace_dead_order(session, entry)
        assert entry.order_url is not None
        driver = OrderDriver(
            session, self.credential, publisher_for(self.credential), clock=self.clock
        )
        deadline = now + dt.timedelta(seconds=self.credential.finalize_timeout)
        try:
            progress = driver.advance(entry.order_url, entry.csr_pem, deadline)
        except Exception as exc:
            if driver.dead:
                # invalid is final (RFC 8555 §7.1.6): the next run orders anew, once per run
                entry.status, entry.next_poll = "invalid", None
                self.book.save(entry)
            if isinstance(exc, AcmeError):
                raise
            raise from_acme(exc, f"ACME order {entry.order_url}") from exc
        entry.status, entry.next_poll, entry.chain_pem = (
            progress.status,
            progress.next_poll,
            progress.chain_pem,
        )
        self.book.save(entry)
        if progress.chain_pem:
            return IssuedChain(order_id, split_chain(progress.chain_pem))
        return Pending(order_id, progress.status, description="not issued yet")

    def _replace_dead_order(self, session: Session, entry: OrderEntry) -> None:
        """A new order for the same CSR; the lifecycle's order number stays the same. An
        invalid order can never issue, so this cannot lead to a second certificate."""
        assert entry.order_url is not None
        url, status = self._post_order(session, entry.csr_pem, entry.replaces)
        entry.dead_urls.append(entry.order_url)
        entry.order_url, entry.status, entry.next_poll = url, status, None
        self.book.save(entry)  # the new URL is durable before anything else happens
        log.warning("ACME order %s was invalid; ordered again: %s", entry.dead_urls[-1], url)

    async def details(self, order_id: int) -> OrderDetails:
        entry = self.book.by_number(order_id)
        return OrderDetails(order_id, "revoked" if entry.revoked else str(entry.status))

    async def find_order(
        self, request_id: str, common_name: str, since: dt.datetime
    ) -> OrderLookup:
        entry = self.book.by_request(request_id)
        if entry is not None and entry.order_id is not None:
            return OrderLookup(LookupOutcome.FOUND, entry.order_id)
        return OrderLookup(
            LookupOutcome.NOT_FOUND,
            detail="no order URL recorded: an unfinalized ACME order issues nothing",
        )

    async def revoke(self, order_id: int, reason: str, *, reason_code: int = 0) -> None:
        await self._run(lambda: self._revoke(order_id, reason_code))

    def _revoke(self, order_id: int, reason_code: int) -> None:
        entry = self.book.by_number(order_id)
        if not entry.chain_pem:
            raise AcmeOrderError(f"ACME order {order_id} has no certificate to revoke")
        if entry.revoked:
            return
        cert = x509.load_pem_x509_certificate(entry.chain_pem.encode())
        try:
            self._open().acme.revoke(cert, reason_code)
        except messages.Error as exc:
            if exc.code != "alreadyRevoked":
                raise from_acme(exc, "ACME revoke") from exc
        except Exception as exc:
            raise from_acme(exc, "ACME revoke") from exc
        entry.revoked = True
        self.book.save(entry)

    async def mark_renewed(self, old_order_id: int, new_order_id: int) -> None:
        """ACME has no renewal bookkeeping; ``replaces`` on the new order said it."""

    async def retire_superseded(
        self, old_order_id: int, new_order_id: int, *, revoke: bool
    ) -> None:
        """Revoke the superseded certificate (RFC 8555 §7.6, reason 4: superseded) when asked;
        otherwise nothing: ``replaces`` on the new order already told an ARI CA."""
        if revoke:
            await self.revoke(old_order_id, f"superseded by order {new_order_id}", reason_code=4)

    async def renewal_hint(self, cert_pem: str, *, remember: bool = True) -> RenewalHint:
        """ARI where the directory offers it, else the lifetime share; ``remember`` False
        (dry runs) reads a cached answer but writes nothing."""
        return await self._run(lambda: self._renewal_hint(cert_pem, remember))

    def _renewal_hint(self, cert_pem: str, remember: bool) -> RenewalHint:
        cert = x509.load_pem_x509_certificate(cert_pem.encode())
        fallback = lifetime_hint(cert)
        now = self.clock()
        try:
            certid = cert_id(cert)
        except (x509.ExtensionNotFound, AssertionError):
            return fallback
        cached = self.ari.hint_if_fresh(certid, now)
        if cached is not None:
            return cached
        try:
            session = self._open()
            if not session.has("renewalInfo") or cert.not_valid_after_utc <= now:
                return fallback
            url = f"{str(session.directory['renewalInfo']).rstrip('/')}/{certid}"
            response = session.acme.net.get(url)
            window: AriWindow = parse_window(response.content, response.headers.get("Retry-After"))
        except (AcmeError, requests.RequestException, messages.Error, ValueError, KeyError) as exc:
            log.warning("ARI for %s unavailable (%s): using the lifetime rule", certid, exc)
            return fallback
        return self.ari.store(certid, window, now, write=remember)

    async def aclose(self) -> None:
        self._session = None
