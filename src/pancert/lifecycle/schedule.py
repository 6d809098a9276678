"""The CA's word on when to renew, gathered before the pure decision.

ACME CAs say it (ARI, RFC 9773, or a share of the lifetime: :mod:`pancert.acme.renewal`); for
the others the profile's ``sectigo_expiry_window`` decides and nothing is asked here. The
decision journals what the CA said (``renew_at``, ``renew_reason``) so ``status``, which asks
no CA, shows the same time and reason.
"""

from __future__ import annotations

from collections.abc import Mapping

from pancert.lifecycle.journal import PairRecord
from pancert.lifecycle.pair import Pair, RenewalAdvisor
from pancert.lifecycle.plan import Schedule
from pancert.panos.models import CertificateEntry, Location

Key = tuple[str, str]


async def ca_schedules(
    pairs: list[Pair],
    inventory: Mapping[Location, Mapping[str, CertificateEntry]],
    records: Mapping[Key, PairRecord | None],
    *,
    dry_run: bool,
) -> dict[Key, Schedule]:
    """The CA's renewal time for each current certificate whose CA gives one (a dry run
    reads the CA's answer but keeps nothing of it)."""
    found: dict[Key, Schedule] = {}
    for pair in pairs:
        if not isinstance(pair.ca, RenewalAdvisor):
            continue
        record = records.get(pair.key)
        entries = inventory[pair.location]
        current = entries.get((record.current_object if record else None) or pair.profile.name)
        if current is None or current.certificate_pem is None:
            continue
        hint = await pair.ca.renewal_hint(current.certificate_pem, remember=not dry_run)
        found[pair.key] = Schedule(hint.at, hint.reason)
    return found
