"""The CA's word on when to renew, gathered before the pure decision.

ACME CAs say it (ARI, RFC 9773, or a share of the lifetime: :mod:`pancert.acme.renewal`); for
the others the profile's ``sectigo_expiry_window`` decides and nothing is asked here. The
decision journals what the CA said (``renew_at``, ``renew_reason``) so ``status``, which asks
no CA, shows the same time and reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from pancert.lifecycle.journal import PairRecord
from pancert.lifecycle.pair import Pair
from pancert.lifecycle.plan import Schedule
from pancert.panos.models import CertificateEntry, Location

Key = tuple[str, str]


class RenewalTime(Protocol):
    @property
    def at(self) -> dt.datetime: ...

    @property
    def reason(self) -> str: ...


@runtime_checkable
class RenewalAdvisor(Protocol):
    """A CA that says when its certificates should be renewed (ACME: ARI or a share of the
    lifetime, :class:`pancert.acme.AcmeAuthority`); the profile's window decides for others."""

    async def renewal_hint(self, cert_pem: str, *, remember: bool = True) -> RenewalTime: ...


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
