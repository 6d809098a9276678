"""The CA's word on when to renew: asked before the pure decision, remembered for ``status``.

ACME CAs say it (ARI, RFC 9773, or a share of the lifetime: :mod:`pancert.acme.renewal`); for
the others the profile's ``sectigo_expiry_window`` decides and nothing is asked here.
"""

from __future__ import annotations

import datetime as dt

from pancert.errors import PancertError
from pancert.lifecycle.journal import Journal, PairRecord
from pancert.lifecycle.pair import Pair, RenewalAdvisor
from pancert.lifecycle.plan import Schedule
from pancert.panos.models import CertificateEntry, Location


async def ca_schedules(
    pairs: list[Pair],
    journal: Journal,
    inventory: dict[Location, dict[str, CertificateEntry]],
    dry_run: bool,
) -> dict[tuple[str, str], Schedule]:
    """The CA's renewal time for each current certificate whose CA gives one."""
    found: dict[tuple[str, str], Schedule] = {}
    for pair in pairs:
        if not isinstance(pair.ca, RenewalAdvisor):
            continue
        try:
            record = journal.load(*pair.key)
        except PancertError:
            continue  # the decision reports the unreadable journal
        entries = inventory[pair.location]
        current = entries.get((record.current_object if record else None) or pair.profile.name)
        if current is None or current.certificate_pem is None:
            continue
        hint = await pair.ca.renewal_hint(current.certificate_pem, remember=not dry_run)
        found[pair.key] = Schedule(hint.at, hint.reason)
    return found


def remember_schedule(
    journal: Journal, record: PairRecord, schedule: Schedule | None, now: dt.datetime
) -> None:
    """Journal the schedule when it changed, so ``status`` (which asks no CA) can show it."""
    if schedule is None:
        return
    if (record.renew_at, record.renew_reason) != (schedule.at, schedule.reason):
        record.renew_at, record.renew_reason = schedule.at, schedule.reason
        journal.save(record, now)
