"""One ACME order from the firewall's CSR to the issued chain (RFC 8555 §7.4), blocking.

Each function does as much as it can before ``deadline`` and returns; what the CA said about
waiting (``Retry-After``) is kept in the order book so the next call, or the next run, honours
it. Authorizations that are already ``valid`` (Sectigo's pre-validated domains, reused
authorizations) are used as they are; pending ones are answered with DNS-01.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from acme import challenges, crypto_util, messages
from cryptography import x509
from josepy.json_util import field as jose_field
from josepy.jwk import JWKEC

from pancert.acme.account import Session
from pancert.acme.dns01 import TxtPublisher, authoritative_servers, wait_visible
from pancert.acme.errors import AcmeChallengeError, AcmeOrderError, describe
from pancert.config.acme import AcmeCredential

log = logging.getLogger("pancert.acme")

DEFAULT_POLL_S = 2


class NewOrderWithReplaces(messages.NewOrder):
    """``replaces`` (RFC 9773 §5) is not a field of the library's NewOrder (acme 5.9.0)."""

    replaces: str | None = jose_field("replaces", omitempty=True)


@dataclass
class Progress:
    """Where an order stands after one attempt: its status and when to look again."""

    status: str
    next_poll: dt.datetime | None = None
    chain_pem: str | None = None


def identifiers(csr_pem: str) -> list[messages.Identifier]:
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    dns_names, ips = crypto_util.get_identifiers_from_x509(csr.subject, csr.extensions)
    found = [messages.Identifier(typ=messages.IDENTIFIER_FQDN, value=n) for n in dns_names]
    return found + [messages.Identifier(typ=messages.IDENTIFIER_IP, value=str(i)) for i in ips]


def new_order(
    session: Session, csr_pem: str, *, profile: str | None, replaces: str | None
) -> tuple[str, str]:
    """POST newOrder; (order URL, status). Raises the library's errors for the caller to map."""
    fields: dict[str, Any] = {"identifiers": identifiers(csr_pem)}
    if profile:
        fields["profile"] = profile
    if replaces:
        fields["replaces"] = replaces
    response = session.acme._post(session.directory["newOrder"], NewOrderWithReplaces(**fields))
    location = response.headers.get("Location")
    if not location:
        raise AcmeOrderError("ACME new order: the CA sent no order URL (Location header)")
    return str(location), str(response.json().get("status", ""))


def _get(session: Session, url: str) -> requests.Response:
    return session.acme._post_as_get(url)


def _retry_after(response: requests.Response, now: dt.datetime) -> dt.datetime:
    text = response.headers.get("Retry-After")
    seconds: float = DEFAULT_POLL_S
    if text:
        try:
            seconds = float(int(text))
        except ValueError:
            try:
                return max(parsedate_to_datetime(text).astimezone(dt.UTC), now)
            except (TypeError, ValueError):
                seconds = DEFAULT_POLL_S
    return now + dt.timedelta(seconds=max(0.0, seconds))


class OrderDriver:
    """Drives one order URL toward ``valid`` within a deadline."""

    def __init__(
        self,
        session: Session,
        credential: AcmeCredential,
        publisher: TxtPublisher | None,
        *,
        clock: Callable[[], dt.datetime],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session = session
        self.credential = credential
        self.publisher = publisher
        self.clock = clock
        self.sleep = sleep
        self.dead = False
        """The order can never be issued (it, or one of its authorizations, is invalid)."""

    def advance(self, order_url: str, csr_pem: str, deadline: dt.datetime) -> Progress:
        while True:
            response = _get(self.session, order_url)
            body = messages.Order.from_json(response.json())
            status = body.status.name if body.status else ""
            now = self.clock()
            if status == "valid" and body.certificate:
                chain = _get(self.session, body.certificate).text
                return Progress(status, chain_pem=chain)
            if status == "invalid":
                why = describe(body.error) if body.error is not None else "no detail given"
                self.dead = True
                raise AcmeOrderError(
                    f"ACME order {order_url} is invalid: {why}",
                    hint="the next run places a new order for the same CSR",
                )
            if status == "pending":
                if not self._authorize(body, deadline):
                    return Progress(status, next_poll=now + dt.timedelta(seconds=DEFAULT_POLL_S))
                continue
            if status == "ready":
                self._finalize(body, csr_pem)
                continue
            # processing (or valid without a certificate URL yet): wait as the CA asks
            wake = _retry_after(response, now)  # the CA's Retry-After, in full, across runs
            if wake > deadline:
                return Progress(status, next_poll=wake)
            self.sleep(max(0.0, (wake - self.clock()).total_seconds()))

    def _finalize(self, body: messages.Order, csr_pem: str) -> None:
        csr = x509.load_pem_x509_csr(csr_pem.encode())
        try:
            self.session.acme._post(body.finalize, messages.CertificateRequest(csr=csr))
        except messages.Error as exc:
            if exc.code != "orderNotReady":
                raise
        log.info("ACME order finalized with the firewall's CSR")

    def _authorize(self, order: messages.Order, deadline: dt.datetime) -> bool:
        """Answer every pending authorization; True once none is pending any more.

        Records stay published while the CA may still validate (the deadline came first);
        they are removed once validation ended, well or badly, by this run or a later one
        (the TXT value is derived from the account key, so a later run knows it).
        """
        published: list[tuple[str, str]] = []
        to_answer: list[messages.ChallengeBody] = []
        pending_urls: list[str] = []
        finished = True
        try:
            for url in order.authorizations:
                authz = messages.Authorization.from_json(_get(self.session, url).json())
                name = authz.identifier.value
                if authz.status == messages.STATUS_VALID:
                    log.info("ACME authorization for %s is already valid: used as it is", name)
                    continue
                if authz.status != messages.STATUS_PENDING:
                    self.dead = True
                    raise AcmeChallengeError(
                        f"ACME authorization for {name} is {authz.status.name}",
                        hint="the next run places a new order for the same CSR",
                    )
                pending_urls.append(url)
                challb = self._dns01(authz)
                if self.publisher is not None:
                    chall = challb.chall
                    assert isinstance(chall, challenges.DNS01)
                    record = (
                        chall.validation_domain_name(name),
                        chall.validation(JWKEC(key=self.session.key)),
                    )
                    if challb.status == messages.STATUS_PENDING:
                        self.publisher.add(*record)
                    published.append(record)
                if challb.status == messages.STATUS_PENDING:
                    to_answer.append(challb)
                # else: answered by an earlier attempt, the CA is validating
            for fqdn, value in published:
                servers = authoritative_servers(fqdn, self.credential.dns_servers)
                remaining = max(1.0, (deadline - self.clock()).total_seconds())
                wait_visible(
                    fqdn,
                    value,
                    servers,
                    min(self.credential.dns_timeout, remaining),
                    sleep=self.sleep,
                )
                log.info("TXT %s is visible on %d authoritative server(s)", fqdn, len(servers))
            jwk = JWKEC(key=self.session.key)
            for challb in to_answer:
                self.session.acme.answer_challenge(challb, challb.response(jwk))
            finished = self._wait_authorizations(pending_urls, deadline)
            return finished
        finally:
            if finished:
                self._remove(published)

    def _remove(self, published: list[tuple[str, str]]) -> None:
        for fqdn, value in published:
            try:
                assert self.publisher is not None
                self.publisher.delete(fqdn, value)
            except AcmeChallengeError as exc:
                log.warning("removing TXT %s failed: %s", fqdn, exc)

    def _dns01(self, authz: messages.Authorization) -> messages.ChallengeBody:
        name = authz.identifier.value
        if self.credential.challenge == "none":
            raise AcmeChallengeError(
                f"ACME authorization for {name} is pending and acme_challenge is none",
                hint="validate the domain at the CA (Sectigo: in SCM), or set acme_challenge "
                "to dns-01-rfc2136 or dns-01-hook",
            )
        for challb in authz.challenges:
            if isinstance(challb.chall, challenges.DNS01):
                return challb
        offered = ", ".join(str(c.chall.typ) for c in authz.challenges)
        raise AcmeChallengeError(
            f"ACME authorization for {name}: the CA offers no dns-01 challenge ({offered})",
            hint="HTTP-01 and TLS-ALPN-01 need the name served by pancert, which a firewall "
            "management name cannot be",
        )

    def _wait_authorizations(self, urls: list[str], deadline: dt.datetime) -> bool:
        for url in urls:
            while True:
                response = _get(self.session, url)
                authz = messages.Authorization.from_json(response.json())
                if authz.status == messages.STATUS_VALID:
                    break
                if authz.status != messages.STATUS_PENDING:
                    errors = [describe(c.error) for c in authz.challenges if c.error is not None]
                    self.dead = True
                    raise AcmeChallengeError(
                        f"ACME validation of {authz.identifier.value} failed: "
                        f"{'; '.join(errors) or authz.status.name}",
                        hint="check that the TXT record is published in the public zone; the "
                        "next run places a new order for the same CSR",
                    )
                now = self.clock()
                wake = _retry_after(response, now)
                if wake > deadline:
                    return False
                self.sleep(max(0.0, (wake - now).total_seconds()))
        return True
