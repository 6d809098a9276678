"""A whole enroll/renew run: every selected profile on every firewall it names.

Firewalls run concurrently up to ``pancert_max_parallel_firewalls``; calls to one firewall
stay serialized inside :class:`FirewallRun`; SCM calls share one client (and one token) per
credential label (the ``connector`` decides; the SCM client bounds its requests in flight).
Nothing here contacts SCM until a pair is due, so a run where nothing is due makes no SCM call.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from pancert.config import LoadedConfig
from pancert.errors import PancertError
from pancert.lifecycle.failures import InternalError, StepFailed
from pancert.lifecycle.firewall import FirewallRun, record_failure
from pancert.lifecycle.journal import Journal
from pancert.lifecycle.outcome import PairOutcome, RunReport
from pancert.lifecycle.pair import Pair, RunSettings
from pancert.lifecycle.ports import Connector
from pancert.logs import log_internal_error

log = logging.getLogger("pancert.lifecycle")


def build_pairs(
    loaded: LoadedConfig, names: list[str] | None, connector: Connector
) -> dict[str, list[Pair]]:
    by_firewall: dict[str, list[Pair]] = defaultdict(list)
    for resolved in loaded.resolved(names):
        ca = connector.authority(resolved.profile.credential)
        for firewall in resolved.firewalls:
            by_firewall[firewall.name].append(Pair(resolved, firewall, ca, named=bool(names)))
    return dict(by_firewall)


def orphans(journal: Journal, loaded: LoadedConfig, pairs: dict[str, list[Pair]]) -> list[str]:
    """Journal records whose profile is gone or no longer targets that firewall."""
    wanted = {p.key for group in pairs.values() for p in group}
    found = []
    for record in journal.records(skipped=[]):  # an unreadable record fails its own pair
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
    connector: Connector,
) -> RunReport:
    journal = Journal(loaded.state_path)
    pairs = build_pairs(loaded, names, connector)
    limit = asyncio.Semaphore(loaded.app.max_parallel_firewalls)

    async def one(group: list[Pair]) -> list[PairOutcome]:
        async with limit:
            outcomes = await _run_firewall(group, journal, settings, connector)
        if settings.on_firewall_done is not None:
            settings.on_firewall_done(group[0].firewall.name)
        return outcomes

    groups = await asyncio.gather(*(one(g) for g in pairs.values()))
    return RunReport(
        outcomes=tuple(o for group in groups for o in group),
        orphans=tuple(orphans(journal, loaded, pairs)) if not names else (),
        bad_input=tuple(str(p) for p in loaded.problems_for(names)),
    )


async def _run_firewall(
    group: list[Pair], journal: Journal, settings: RunSettings, connector: Connector
) -> list[PairOutcome]:
    firewall = group[0].firewall
    try:
        async with connector.firewall(firewall) as fw:
            return await FirewallRun(fw, group, journal, settings).run()
    except PancertError as exc:
        error = StepFailed(f"{firewall.name} ({firewall.address})", exc)
        return await record_failure(journal, group, error, settings)
    except Exception as exc:  # this firewall only: the others finish their steps
        log_internal_error(log, f"{firewall.name} ({firewall.address}): internal error", exc)
        error = StepFailed(f"{firewall.name} ({firewall.address})", InternalError.of(exc))
        return await record_failure(journal, group, error, settings)
