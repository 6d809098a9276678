"""What ``pancert status`` shows, from the journal and the profiles alone.

It reads no firewall and no SCM and takes no lock, so it is safe to run at any time, even
while a renewal runs; the journal is the record of what pancert last saw and did.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from pancert.config import LoadedConfig
from pancert.lifecycle.journal import Journal, PairRecord, Step

_NEXT = {
    Step.CSR_INTENT: "generate the key and CSR on the firewall",
    Step.CSR_ON_DEVICE: "order from SCM",
    Step.ORDER_INTENT: "look the order up at SCM (an earlier run may have placed it)",
    Step.ORDERED: "collect the certificate from SCM",
    Step.ISSUED: "import, rebind and delete the superseded object",
    Step.IMPORTED: "commit on the firewall",
}


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
    last_error: str | None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("not_after", "pending_since"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        return data


def _row(
    profile: str, firewall: str, record: PairRecord | None, window: int | None, now: dt.datetime
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
    rotation = record.rotation
    in_flight = record.in_flight and rotation is not None
    state = (
        str(rotation.step)
        if in_flight and rotation
        else ("DEPLOYED" if record.current_object else "NEW")
    )
    not_after = record.current_not_after
    days_left = None if not_after is None else int((not_after - now).total_seconds() // 86400)
    if in_flight and rotation is not None:
        next_action = _NEXT[rotation.step]
    elif window is None:
        next_action = "none: the profile no longer targets this firewall (orphaned)"
    elif record.renew_at is not None:
        due = (
            "renew now"
            if now >= record.renew_at
            else f"renew from {record.renew_at:%Y-%m-%d %H:%M}"
        )
        next_action = f"{due} ({record.renew_reason})"
    elif not_after is None:
        next_action = "renew (expiry unknown)"
    elif days_left is not None and days_left <= window:
        next_action = "renew now (inside the expiry window)"
    else:
        next_action = f"renew from {(not_after - dt.timedelta(days=window)):%Y-%m-%d}"
    return StatusRow(
        profile=profile,
        firewall=firewall,
        object=record.current_object,
        cn=record.current_common_name,
        not_after=not_after,
        days_left=days_left,
        state=state,
        ssl_id=(
            rotation.order_id
            if in_flight and rotation and rotation.order_id
            else record.current_order_id
        ),
        pending_since=rotation.pending_since if in_flight and rotation else None,
        next_action=next_action,
        last_error=(rotation.last_error if in_flight and rotation else None) or record.last_error,
    )


def status_rows(loaded: LoadedConfig, names: list[str] | None, now: dt.datetime) -> list[StatusRow]:
    journal = Journal(loaded.state_path)
    records = {(r.profile, r.firewall): r for r in journal.records()}
    rows = []
    for profile in loaded.select_profiles(names).values():
        for firewall in profile.firewall_profiles:
            rows.append(
                _row(
                    profile.name,
                    firewall,
                    records.pop((profile.name, firewall), None),
                    profile.expiry_window_days,
                    now,
                )
            )
    if not names:
        rows += [_row(p, f, r, None, now) for (p, f), r in sorted(records.items())]
    return rows
