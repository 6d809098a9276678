"""Decide: from a frozen :class:`~pancert.lifecycle.gather.Observation` to one plan per
pair. Pure — no I/O, no clock; the executor carries the plans out.

Adoption is a decision too: a pair pancert has no record of starts from what the firewall
and the Sectigo agent's ``.ids`` file show (objects named by pancert's rotation rule are
pancert's), never by ordering blindly; the executor records the adopted state before it
acts on it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from pancert.errors import ConfigError, Problem
from pancert.lifecycle.gather import Observation, needs_adoption
from pancert.lifecycle.journal import PairRecord, SeenCertificate
from pancert.lifecycle.naming import adoptable, look_alikes, owned
from pancert.lifecycle.outcome import PairOutcome, Status, failed, kept_view
from pancert.lifecycle.pair import Pair, RunSettings
from pancert.lifecycle.plan import Action, Decision, Observed, decide
from pancert.panos.models import CertificateEntry


@dataclass(frozen=True)
class PairPlan:
    pair: Pair
    record: PairRecord
    """The journal's record (a copy), or the adopted one."""
    decision: Decision
    current: CertificateEntry | None
    """The object serving the profile now (journal's current object, else the profile's name)."""
    entries: Mapping[str, CertificateEntry]
    outcome: PairOutcome
    """What the run reports if nothing else happens to the pair."""
    remember: bool
    """The record differs from the journal (adopted, or the firewall shows other facts):
    the executor saves it before anything else — never in a dry run."""
    notes: tuple[str, ...] = ()
    """Look-alike objects that are not pancert's (logged as warnings)."""

    @property
    def due(self) -> bool:
        return self.decision.action in (Action.ROTATE, Action.RESUME)


def adopt(
    pair: Pair,
    entries: Mapping[str, CertificateEntry],
    record: PairRecord | None,
    ids: tuple[int, str | None] | None,
) -> tuple[PairRecord, tuple[str, ...]]:
    """Adopt the Sectigo agent's object only with proof (its exact name, the profile's CN
    and SANs), never by ordering blindly, never by a name's shape. Every other look-alike is
    someone else's: returned as notes for the log, never touched."""
    name = pair.profile.name
    record = record or PairRecord(profile=name, firewall=pair.firewall.name)
    entry = entries.get(name)
    if adoptable(entry, pair.wanted):
        assert entry is not None
        record.current_object = name
        record.current_not_after = entry.not_after
        record.current_common_name = entry.common_name
        record.owned_objects = [name]
        if ids is not None:
            record.current_order_id, record.current_renew_id = ids
    notes = []
    for other in (n for n in look_alikes(list(entries), name) if n not in owned(record)):
        why = "its CN or SANs are not the profile's" if other == name else "not journalled"
        notes.append(f"{other} is not pancert's ({why}); left alone")
    return record, tuple(notes)


def plan_pair(
    pair: Pair, observation: Observation, settings: RunSettings
) -> PairPlan | PairOutcome:
    """The plan for one pair, or its outcome when its own state cannot be read."""
    unreadable = observation.unreadable.get(pair.key)
    if unreadable is not None:
        return failed(pair.profile.name, pair.firewall.name, unreadable)
    entries = observation.inventory[pair.location]
    journalled = observation.record(pair.key)
    record: PairRecord | None = journalled
    notes: tuple[str, ...] = ()
    adopted = needs_adoption(journalled)
    if adopted:
        ids = observation.ids.get(pair.profile.name)
        record, notes = adopt(pair, entries, observation.record(pair.key), ids)
    assert record is not None
    current = entries.get(record.current_object) if record.current_object else None
    schedule = observation.schedules.get(pair.key)
    decision = decide(
        Observed(pair.wanted, current, record, observation.now, schedule),
        settings.mode,
        force=settings.force,
        named=pair.named,
    )
    seen = SeenCertificate.of(current) if current is not None else None
    remember = (adopted and record.current_object is not None) or (
        journalled is not None and (journalled.seen_at is None or journalled.seen != seen)
    )
    record.seen, record.seen_at = seen, observation.now
    if schedule is not None and (record.renew_at, record.renew_reason) != (
        schedule.at,
        schedule.reason,
    ):
        # status asks no CA: it shows the CA's time and reason as this run learnt them
        record.renew_at, record.renew_reason = schedule.at, schedule.reason
        remember = True
    return PairPlan(
        pair=pair,
        record=record,
        decision=decision,
        current=current,
        entries=entries,
        outcome=_first_outcome(
            pair, decision, record, current, now=observation.now, settings=settings
        ),
        remember=remember,
        notes=notes,
    )


def _first_outcome(
    pair: Pair,
    decision: Decision,
    record: PairRecord,
    current: CertificateEntry | None,
    *,
    now: dt.datetime,
    settings: RunSettings,
) -> PairOutcome:
    not_after = current.not_after if current is not None else None
    base = PairOutcome(
        pair.profile.name,
        pair.firewall.name,
        Status.UNCHANGED,
        decision.message,
        reason=str(decision.reason),
        object_name=current.name if current is not None else None,
        not_after=not_after,
        current_expired=not_after is not None and not_after <= now,
    )
    if decision.action in (Action.ROTATE, Action.RESUME):
        if settings.dry_run:
            text = plan_text(pair, decision, record, current)
            return dataclasses.replace(base, status=Status.PLANNED, message=text)
        return dataclasses.replace(base, status=Status.FAILED, message="not finished")
    if decision.action is Action.FAIL:
        error = ConfigError(
            [Problem(str(pair.profile.source), "sectigo_expiry_window", decision.message)]
        )
        return dataclasses.replace(base, status=Status.BAD_INPUT, message=str(error), error=error)
    status = Status.REPORTED if decision.action is Action.REPORT else Status.UNCHANGED
    return dataclasses.replace(base, status=status, kept=kept_view(record.kept_superseded))


def plan_text(
    pair: Pair, decision: Decision, record: PairRecord, current: CertificateEntry | None
) -> str:
    old = current.name if current else None
    steps = [f"{decision.reason}: {decision.message}"]
    if decision.action is Action.RESUME and record.rotation is not None:
        steps.append(f"resume {record.rotation.object_name} from {record.rotation.step}")
    else:
        steps.append(f"generate key + CSR on {pair.firewall.name}, order from SCM, import")
    if old:
        steps.append(f"rebind references of {old} to the new object, then delete {old}")
    steps += [f"bind {b.kind} {b.name}" for b in pair.profile.bindings]
    steps.append(f"commit as {pair.firewall.commit_user or '(paloalto_commit_user unset)'}")
    return "; ".join(steps)
