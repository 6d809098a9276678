"""One (certificate profile, firewall) pair with everything needed to act on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from cryptography import x509

from pancert.config.models import FirewallProfile
from pancert.config.profile import CertificateProfile
from pancert.config.resolved import ResolvedProfile
from pancert.lifecycle.plan import Mode, Wanted
from pancert.lifecycle.ports import CertificateAuthority
from pancert.panos.models import Location


@dataclass(frozen=True)
class Pair:
    resolved: ResolvedProfile
    firewall: FirewallProfile
    ca: CertificateAuthority
    named: bool
    """Given with ``-p`` (overrides ``sectigo_auto_renew: false``)."""

    @property
    def profile(self) -> CertificateProfile:
        return self.resolved.profile

    @property
    def location(self) -> Location:
        return self.resolved.location

    @property
    def wanted(self) -> Wanted:
        return self.resolved.wanted

    @property
    def key(self) -> tuple[str, str]:
        return self.profile.name, self.firewall.name


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class RunSettings:
    mode: Mode
    force: bool = False
    dry_run: bool = False
    sleep_download: float = 1.0
    collect_timeout: float = 300.0
    commit_timeout: float = 1800.0
    anchors: list[x509.Certificate] = field(default_factory=list)
    clock: Callable[[], dt.datetime] = utcnow
    sleep: Callable[[float], Awaitable[None]] | None = None
    on_firewall_done: Callable[[str], None] | None = None
    """Told each firewall's name when its pairs are finished (progress on a terminal)."""


COLLECT_FIRST_RETRY_S = 5.0
"""After "being processed" on an order SCM does not (yet) call Issued."""
COLLECT_ISSUED_RETRY_S = 0.25
"""After "being processed" on an order whose status SCM already reads Issued: the download
lags the issuance (docs/reference/scm.md §3.5), and the next collect is the one that
returns the chain, so an early retry costs no extra call."""
COLLECT_MAX_INTERVAL_S = 60.0


def collect_retry_wait(previous: float, status: str | None) -> float:
    """The wait before the next collect after a "being processed" answer. ``previous`` is
    the last such wait (0 before the first retry), ``status`` what SCM said of the order.

    The first collect waits ``sectigo_sleep_download`` (README, "Configuration"). Then an
    order SCM reads Issued is retried after 0.25 s, doubling; any other (Applied, Requested,
    unreadable) after 5 s doubling, as ever: retries of orders not yet issued are what would
    spend SCM's rate limit, so they keep the slow start. Never over 60 s."""
    issued = (status or "").strip().lower() == "issued"
    start = COLLECT_ISSUED_RETRY_S if issued else COLLECT_FIRST_RETRY_S
    return min(COLLECT_MAX_INTERVAL_S, max(start, previous * 2))
