"""What ``pancert status`` shows, from the journal and the profiles alone.

It reads no firewall and no SCM and takes no lock, so it is safe to run at any time, even
while a renewal runs; the journal is the record of what pancert last saw and did. Whether a
certificate is due is the planner's answer (:func:`pancert.lifecycle.plan.decide`) for what
the last run saw, so ``status`` and ``renew --dry-run`` cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from pancert.config import LoadedConfig
from pancert.config.resolved import ResolvedProfile
from pancert.lifecycle.journal import Journal, PairRecord, SeenCertificate, Step
from pancert.lifecycle.plan import Action, Decision, Mode, Observed, Schedule, decide

_NEXT = {
    Step.CSR_INTENT: "generate the key and CSR on the firewall",
    Step.CSR_ON_DEVICE: "order from SCM",
    Step.ORDER_INTENT: "look the order up at SCM (an earlier run may have placed it)",
    Step.ORDERED: "collect the certificate from SCM",
    Step.ISSUED: "import, rebind and delete the superseded object",
    Step.IMPORTED: "commit on the firewall",
}


@dataclass(frozen=True)
class LastError:
    message: str
    hint: str | None
    error: str | None
    """The error's class, e.g. ``ScmAuthError``."""


@dataclass(frozen=True)
class StatusRow:
    profile: str
    firewall: str
    object: str | None
    cn: str | None
    not_after: dt.datetime | None
    days_left: int | None
    state: str
    ssl_id: int | None
    pending_since: dt.datetime | None
    next_action: str
    last_error: LastError | None
    due: bool | None = None
    """The planner's answer for what the last run saw (None: no profile, or never seen)."""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("not_after", "pending_since"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        return data


def seen_of(record: PairRecord, resolved: ResolvedProfile) -> SeenCertificate | None:
    """What served the profile at the last run. Records written before pancert kept these
    facts know only name, expiry and CN: the rest is taken to be as the profile wants (an
    unknown expiry counts as nothing usable)."""
    if record.seen_at is not None or record.seen is not None:
        return record.seen
    if record.current_object is None or record.current_not_after is None:
        return None
    wanted = resolved.wanted
    return SeenCertificate(
        name=record.current_object,
        not_after=record.current_not_after,
        common_name=record.current_common_name or wanted.common_name,
        dns_names=wanted.dns_names,
        algorithm=wanted.key_type,
        key_size=wanted.key_size,
    )


def decision_for(record: PairRecord, resolved: ResolvedProfile, now: dt.datetime) -> Decision:
    seen = seen_of(record, resolved)
    entry = seen.entry(resolved.location) if seen is not None else None
    schedule = (
        Schedule(record.renew_at, record.renew_reason or "the CA's renewal time")
        if record.renew_at is not None
        else None
    )
    return decide(Observed(resolved.wanted, entry, record, now, schedule), Mode.RENEW)


def _next_action(
    decision: Decision, not_after: dt.datetime | None, window: int, record: PairRecord
) -> str:
    if decision.action is Action.ROTATE:
        return f"renew now ({decision.reason}: {decision.message})"
    if decision.action is Action.REPORT:
        return f"renew by hand: {decision.message}"
    if decision.action is Action.FAIL:
        return f"fix the profile: {decision.message}"
    if not_after is None:
        return "none"
    if record.renew_at is not None:
        return f"renew from {record.renew_at:%Y-%m-%d %H:%M} ({record.renew_reason})"
    return f"renew from {(not_after - dt.timedelta(days=window)):%Y-%m-%d}"


def _last_error(record: PairRecord) -> LastError | None:
    rotation = record.rotation
    message = (rotation.last_error if record.in_flight and rotation else None) or record.last_error
    if message is None:
        return None
    same = message == record.last_error
    return LastError(
        message,
        record.last_error_hint if same else None,
        record.last_error_kind if same else None,
    )


def row(
    profile: str,
    firewall: str,
    record: PairRecord | None,
    resolved: ResolvedProfile | None,
    now: dt.datetime,
) -> StatusRow:
    if record is None:
        return StatusRow(
            profile,
            firewall,
            None,
            None,
            None,
            None,
            "NEW",
            None,
            None,
            "enroll (no certificate recorded yet)",
            None,
        )
    rotation = record.rotation if record.in_flight else None
    state = str(rotation.step) if rotation else ("DEPLOYED" if record.current_object else "NEW")
    not_after = record.current_not_after
    days_left = None if not_after is None else int((not_after - now).total_seconds() // 86400)
    due: bool | None = None
    if rotation is not None:
        next_action = _NEXT[rotation.step]
    elif resolved is None:
        next_action = "none: the profile no longer targets this firewall (orphaned)"
    else:
        decision = decision_for(record, resolved, now)
        due = decision.action in (Action.ROTATE, Action.RESUME)
        next_action = _next_action(decision, not_after, resolved.wanted.window_days, record)
    return StatusRow(
        profile=profile,
        firewall=firewall,
        object=record.current_object,
        cn=record.current_common_name,
        not_after=not_after,
        days_left=days_left,
        state=state,
        ssl_id=rotation.order_id if rotation and rotation.order_id else record.current_order_id,
        pending_since=rotation.pending_since if rotation else None,
        next_action=next_action,
        last_error=_last_error(record),
        due=True if rotation is not None else due,
    )


def status_rows(loaded: LoadedConfig, names: list[str] | None, now: dt.datetime) -> list[StatusRow]:
    journal = Journal(loaded.state_path)
    records = {(r.profile, r.firewall): r for r in journal.records()}
    rows = []
    for resolved in loaded.resolved(names):
        for firewall in resolved.firewalls:
            record = records.pop((resolved.name, firewall.name), None)
            rows.append(row(resolved.name, firewall.name, record, resolved, now))
    if not names:
        rows += [row(p, f, r, None, now) for (p, f), r in sorted(records.items())]
    return rows
