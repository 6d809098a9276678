"""What a run did for each (profile, firewall) pair. Values only: the exit code that follows
is mapped at the command line (:mod:`pancert.commands._exits`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from pancert.errors import PancertError
from pancert.lifecycle.failures import is_bad_input, root_of

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


_NO_KEPT: Mapping[str, tuple[str, ...]] = MappingProxyType({})


@dataclass(frozen=True)
class PairOutcome:
    profile: str
    firewall: str
    status: Status
    message: str
    error: PancertError | None = None
    """The error that ended the pair, as raised (its class and ``hint`` travel with it)."""
    reason: str | None = None
    object_name: str | None = None
    order_id: int | None = None
    not_after: dt.datetime | None = None
    pending_since: dt.datetime | None = None
    current_expired: bool = False
    """The certificate serving the profile has expired (a pending renewal is then no excuse)."""
    plan: tuple[str, ...] = ()
    kept: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _NO_KEPT)

    @property
    def hint(self) -> str | None:
        return self.error.hint if self.error is not None else None

    @property
    def error_kind(self) -> str | None:
        return type(root_of(self.error)).__name__ if self.error is not None else None


def failed(profile: str, firewall: str, error: PancertError) -> PairOutcome:
    """The outcome of a pair that ``error`` ended: bad input when a person must fix a file."""
    status = Status.BAD_INPUT if is_bad_input(error) else Status.FAILED
    return PairOutcome(profile, firewall, status, str(error), error=error)


def kept_view(kept: Mapping[str, list[str]]) -> Mapping[str, tuple[str, ...]]:
    """A frozen copy of a record's kept superseded objects, for an outcome."""
    return MappingProxyType({name: tuple(paths) for name, paths in kept.items()})


@dataclass(frozen=True)
class RunReport:
    outcomes: tuple[PairOutcome, ...] = ()
    orphans: tuple[str, ...] = ()
    bad_input: tuple[str, ...] = ()
