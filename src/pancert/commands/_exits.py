"""The one mapping from what happened to the process exit code (README, "Exit codes").

Errors say what they are by type (:class:`pancert.errors.BadInputError`, ...); a run says
what happened to each pair by :class:`pancert.lifecycle.outcome.Status`. Only this module
turns either into a number.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pancert import status_codes
from pancert.errors import BadInputError, LockHeldError, PancertError

if TYPE_CHECKING:
    from pancert.lifecycle.outcome import RunReport


def for_error(exc: PancertError) -> int:
    """Bad input (2) wins over a failure (1); a held lock is 3."""
    cause = exc
    while True:
        if isinstance(cause, BadInputError):
            return status_codes.BAD_INPUT
        if isinstance(cause, LockHeldError):
            return status_codes.LOCKED
        inner = getattr(cause, "cause", None)
        if not isinstance(inner, PancertError):
            return status_codes.FAILED
        cause = inner


def for_run(report: RunReport, now: dt.datetime) -> int:
    """Bad input anywhere → 2; else a failed or reported pair, or a pending one whose current
    certificate expired or whose order waited too long → 1; else 0."""
    from pancert.lifecycle.outcome import PENDING_LIMIT, Status

    if report.bad_input or any(o.status is Status.BAD_INPUT for o in report.outcomes):
        return status_codes.BAD_INPUT
    for o in report.outcomes:
        if o.status in (Status.FAILED, Status.REPORTED):
            return status_codes.FAILED
        if o.status is Status.PENDING and (
            o.current_expired
            or (o.pending_since is not None and now - o.pending_since > PENDING_LIMIT)
        ):
            return status_codes.FAILED
    return status_codes.CONVERGED
