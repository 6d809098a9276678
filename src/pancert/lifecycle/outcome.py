"""What a run did for each (profile, firewall) pair, and the exit code that follows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from pancert import status_codes

PENDING_LIMIT = dt.timedelta(days=14)
"""An order may wait this long at the CA (OV/EV approvals take days) before pending counts
as a failure in the exit code."""


class Status(StrEnum):
    CONVERGED = "converged"
    """A rotation finished: committed and verified in the running configuration."""
    UNCHANGED = "unchanged"
    """Nothing was due."""
    PENDING = "pending"
    """Ordered; the CA has not issued yet. Collected again next run."""
    REPORTED = "reported"
    """Due, but left to a person (auto-renew off)."""
    PLANNED = "planned"
    """Dry run: what would happen."""
    FAILED = "failed"
    BAD_INPUT = "bad-input"


@dataclass
class PairOutcome:
    profile: str
    firewall: str
    status: Status
    message: str
    reason: str | None = None
    object_name: str | None = None
    order_id: int | None = None
    not_after: dt.datetime | None = None
    pending_since: dt.datetime | None = None
    current_expired: bool = False
    """The certificate serving the profile has expired (a pending renewal is then no excuse)."""
    plan: list[str] = field(default_factory=list)
    kept: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class RunReport:
    outcomes: list[PairOutcome] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    bad_input: list[str] = field(default_factory=list)

    def exit_code(self, now: dt.datetime) -> int:
        if self.bad_input or any(o.status is Status.BAD_INPUT for o in self.outcomes):
            return status_codes.BAD_INPUT
        for o in self.outcomes:
            if o.status in (Status.FAILED, Status.REPORTED):
                return status_codes.FAILED
            if o.status is Status.PENDING and (
                o.current_expired
                or (o.pending_since is not None and now - o.pending_since > PENDING_LIMIT)
            ):
                return status_codes.FAILED
        return status_codes.CONVERGED
