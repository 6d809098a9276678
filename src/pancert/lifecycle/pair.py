"""One (certificate profile, firewall) pair with everything needed to act on it."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from cryptography import x509

from pancert.config.models import FirewallProfile
from pancert.config.profile import CertificateProfile
from pancert.lifecycle.plan import Mode, Wanted
from pancert.lifecycle.ports import CertificateAuthority
from pancert.panos.models import Location


def wanted_for(profile: CertificateProfile) -> Wanted:
    return Wanted(
        profile=profile.name,
        common_name=profile.common_name,
        dns_names=profile.dns_names,
        key_type=profile.key_type,
        key_size=profile.key_size,
        window_days=profile.expiry_window_days,
        force_renewal=profile.force_renewal,
        auto_renew=profile.auto_renew,
        content_hash=profile.content_hash(),
    )


@dataclass(frozen=True)
class Pair:
    profile: CertificateProfile
    firewall: FirewallProfile
    ca: CertificateAuthority
    named: bool
    """Given with ``-p`` (overrides ``sectigo_auto_renew: false``)."""

    @property
    def location(self) -> Location:
        return Location(self.profile.location)

    @functools.cached_property
    def wanted(self) -> Wanted:
        """Computed once per run: the content hash is a JSON dump and a SHA-256."""
        return wanted_for(self.profile)

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


COLLECT_FIRST_RETRY_S = 5.0
COLLECT_MAX_INTERVAL_S = 60.0


def collect_delays(sleep_download: float, budget: float) -> list[float]:
    """Waits before each collect: ``sectigo_sleep_download``, then 5 s doubling up to 60 s,
    never past ``sectigo_collect_timeout`` in total (issue 5, step 2)."""
    delays = [min(sleep_download, budget)]
    spent, step = delays[0], COLLECT_FIRST_RETRY_S
    while spent + step <= budget:
        delays.append(step)
        spent += step
        step = min(step * 2, COLLECT_MAX_INTERVAL_S)
    return delays
