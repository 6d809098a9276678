"""A whole enroll/renew run: every selected profile on every firewall it names.

Firewalls run concurrently up to ``pancert_max_parallel_firewalls``; calls to one firewall
stay serialized inside :class:`FirewallRun`; SCM calls share one client (and one token) per
credential label, bounded by :data:`SCM_CONCURRENCY`. Nothing here contacts SCM until a pair
is due, so a run where nothing is due makes no SCM call.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from contextlib import AbstractAsyncContextManager
from typing import cast

from pancert.config import LoadedConfig
from pancert.config.models import FirewallProfile
from pancert.errors import PancertError
from pancert.lifecycle.bounded import BoundedAuthority
from pancert.lifecycle.firewall import FirewallRun
from pancert.lifecycle.journal import Journal
from pancert.lifecycle.outcome import PairOutcome, RunReport, Status
from pancert.lifecycle.pair import Pair, RunSettings
from pancert.panos.client import PanosClient, open_client
from pancert.panos.ha import open_pair
from pancert.scm import open_ca
from pancert.scm.interface import CertificateAuthority

log = logging.getLogger("pancert.lifecycle")

SCM_CONCURRENCY = 8
PANOS_TIMEOUT_S = 60.0


def open_firewall(firewall: FirewallProfile) -> AbstractAsyncContextManager[PanosClient]:
    if firewall.tls_insecure:
        log.warning(
            "%s: paloalto_tls_insecure is true: the firewall's identity is NOT verified",
            firewall.source,
        )
    assert firewall.api_key is not None, "the loader marks profiles without a key as broken"
    if firewall.is_ha_pair:
        # The pair offers every PanosClient method the lifecycle calls (duck typing; see
        # pancert/panos/ha.py), so it is handed to the steps as one firewall.
        pair = open_pair(
            firewall.name,
            (firewall.urls[0], firewall.urls[1]),
            firewall.api_key,
            commit_user=firewall.commit_user,
            commit_description=firewall.commit_description,
            sync_timeout_s=firewall.ha_sync_timeout,
            ca_bundle=firewall.ca_bundle,
            fingerprint=firewall.tls_fingerprint,
            insecure=firewall.tls_insecure,
            timeout=PANOS_TIMEOUT_S,
        )
        return cast(AbstractAsyncContextManager[PanosClient], pair)
    return open_client(
        firewall.url,
        firewall.api_key,
        ca_bundle=firewall.ca_bundle,
        fingerprint=firewall.tls_fingerprint,
        insecure=firewall.tls_insecure,
        timeout=PANOS_TIMEOUT_S,
    )


class Authorities:
    """One CA client per credential label, created on first use."""

    def __init__(self, loaded: LoadedConfig) -> None:
        self._loaded = loaded
        self._clients: dict[str, BoundedAuthority] = {}

    def get(self, label: str) -> CertificateAuthority:
        if label not in self._clients:
            app = self._loaded.app
            inner = open_ca(
                scm_url=app.scm_url,
                credential=self._loaded.credentials[label],
                auth_url=app.auth_url,
                ca_bundle=app.scm_ca_bundle,
            )
            self._clients[label] = BoundedAuthority(inner, SCM_CONCURRENCY)
        return self._clients[label]

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()


def build_pairs(
    loaded: LoadedConfig, names: list[str] | None, authorities: Authorities
) -> dict[str, list[Pair]]:
    by_firewall: dict[str, list[Pair]] = defaultdict(list)
    for profile in loaded.select_profiles(names).values():
        ca = authorities.get(profile.credential)
        for fw_name in profile.firewall_profiles:
            by_firewall[fw_name].append(
                Pair(profile, loaded.firewalls[fw_name], ca, named=bool(names))
            )
    return dict(by_firewall)


def orphans(journal: Journal, loaded: LoadedConfig, pairs: dict[str, list[Pair]]) -> list[str]:
    """Journal records whose profile is gone or no longer targets that firewall."""
    wanted = {p.key for group in pairs.values() for p in group}
    found = []
    for record in journal.records():
        key = (record.profile, record.firewall)
        if key in wanted or record.profile in loaded.broken_profiles:
            continue
        if (
            record.profile in loaded.profiles
            and record.firewall in loaded.profiles[record.profile].firewall_profiles
        ):
            continue
        found.append(
            f"{record.profile} on {record.firewall}: the profile no longer targets "
            f"this firewall; object {record.current_object or '(none)'} left in place"
        )
    return found


async def run_lifecycle(
    loaded: LoadedConfig,
    names: list[str] | None,
    settings: RunSettings,
) -> RunReport:
    report = RunReport()
    report.bad_input = [str(p) for p in loaded.problems_for(names)]
    journal = Journal(loaded.state_path)
    authorities = Authorities(loaded)
    try:
        pairs = build_pairs(loaded, names, authorities)
        if not names:
            report.orphans = orphans(journal, loaded, pairs)
        limit = asyncio.Semaphore(loaded.app.max_parallel_firewalls)

        async def one(group: list[Pair]) -> list[PairOutcome]:
            async with limit:
                return await _run_firewall(group, journal, settings)

        for outcomes in await asyncio.gather(*(one(g) for g in pairs.values())):
            report.outcomes.extend(outcomes)
    finally:
        await authorities.aclose()
    return report


async def _run_firewall(
    group: list[Pair], journal: Journal, settings: RunSettings
) -> list[PairOutcome]:
    firewall = group[0].firewall
    try:
        async with open_firewall(firewall) as fw:
            return await FirewallRun(fw, group, journal, settings).run()
    except PancertError as exc:
        message = f"{firewall.name} ({', '.join(firewall.urls)}): {exc}"
        log.error("%s", message)
        return [PairOutcome(p.profile.name, firewall.name, Status.FAILED, message) for p in group]
