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
COLLECT_MAX_INTERVAL_S = 60.0


def collect_delays(sleep_download: float, budget: float) -> list[float]:
    """Waits before each collect: ``sectigo_sleep_download``, then 5 s doubling up to 60 s,
    never past ``sectigo_collect_timeout`` in total (README, "Configuration")."""
    delays = [min(sleep_download, budget)]
    spent, step = delays[0], COLLECT_FIRST_RETRY_S
    while spent + step <= budget:
        delays.append(step)
        spent += step
        step = min(step * 2, COLLECT_MAX_INTERVAL_S)
    return delays
