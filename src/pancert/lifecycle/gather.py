"""Gather: what one firewall and the journal hold when a run begins. Reads only.

One certificate read per location in use, the journal record of each pair, and the Sectigo
agent's ``.ids`` file for pairs pancert has no record of yet. The result is a frozen
:class:`Observation`; deciding what to do with it is pure (:mod:`pancert.lifecycle.decide`)
and writing anything is the executor's (:mod:`pancert.lifecycle.firewall`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pancert.errors import PancertError
from pancert.lifecycle.failures import calling
from pancert.lifecycle.journal import Journal, PairRecord
from pancert.lifecycle.pair import Pair
from pancert.lifecycle.plan import Schedule
from pancert.lifecycle.ports import Firewall
from pancert.lifecycle.schedule import ca_schedules
from pancert.panos.models import CertificateEntry, Location

Key = tuple[str, str]


def needs_adoption(record: PairRecord | None) -> bool:
    """Nothing journalled yet, or a record that names no object and no rotation (e.g. one
    that only remembers a failure): the pair starts by adoption."""
    return record is None or (record.current_object is None and record.rotation is None)


@dataclass(frozen=True)
class Observation:
    now: dt.datetime
    inventory: Mapping[Location, Mapping[str, CertificateEntry]]
    records: Mapping[Key, PairRecord | None]
    """The journal's record of each pair (None: never journalled). Callers that change a
    record work on a copy (:meth:`record`)."""
    ids: Mapping[str, tuple[int, str | None] | None]
    """``<profile>.ids`` of profiles with an unjournalled pair."""
    unreadable: Mapping[Key, PancertError]
    """Pairs whose journal record (or ``.ids`` file) cannot be read: they fail, named."""
    schedules: Mapping[Key, Schedule] = field(default_factory=lambda: MappingProxyType({}))
    """The CA's renewal time for a pair's current certificate, where the CA gives one."""
    sources: Mapping[Key, bytes] = field(default_factory=lambda: MappingProxyType({}))
    """The journal bytes each record was read from."""

    def record(self, key: Key) -> PairRecord | None:
        found = self.records.get(key)
        if found is None:
            return None
        source = self.sources.get(key)
        if source is not None:  # a third of the cost of a deep copy (a no-op run's largest)
            return PairRecord.model_validate_json(source)
        return found.model_copy(deep=True)


async def gather(
    fw: Firewall, pairs: list[Pair], journal: Journal, now: dt.datetime, *, dry_run: bool = False
) -> Observation:
    """Raises the firewall's error (wrapped with the call) when the inventory cannot be read."""
    inventory: dict[Location, Mapping[str, CertificateEntry]] = {}
    for location in dict.fromkeys(p.location for p in pairs):
        with calling("PAN-OS read certificates"):
            entries = await fw.certificates(location)
        inventory[location] = MappingProxyType({e.name: e for e in entries})
    records: dict[Key, PairRecord | None] = {}
    sources: dict[Key, bytes] = {}
    ids: dict[str, tuple[int, str | None] | None] = {}
    unreadable: dict[Key, PancertError] = {}
    for pair in pairs:
        try:
            loaded = journal.load_json(*pair.key)
            records[pair.key] = None if loaded is None else loaded[0]
            if loaded is not None:
                sources[pair.key] = loaded[1]
            if needs_adoption(records[pair.key]) and pair.profile.name not in ids:
                ids[pair.profile.name] = journal.read_ids(pair.profile.name)
        except PancertError as exc:
            unreadable[pair.key] = exc
    return Observation(
        now=now,
        inventory=MappingProxyType(inventory),
        records=MappingProxyType(records),
        sources=MappingProxyType(sources),
        ids=MappingProxyType(ids),
        unreadable=MappingProxyType(unreadable),
        schedules=MappingProxyType(await ca_schedules(pairs, inventory, records, dry_run=dry_run)),
    )
