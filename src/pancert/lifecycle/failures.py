"""How a step's failure travels: the client's own error, with the call that failed.

A step wraps the :class:`~pancert.errors.PancertError` a port raised in :class:`StepFailed`,
which keeps that error as ``cause`` and its ``hint``. Outcomes and the journal carry the
error object, so its class (bad input or failure) and its hint reach the console, the log
and ``status --json`` instead of being flattened into a string on the way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pancert.errors import BadInputError, PancertError


class StepFailed(PancertError):
    """A step could not complete; ``call`` names what failed, ``cause`` the error of the
    port (or None when the step itself found the problem)."""

    def __init__(self, call: str, cause: PancertError | str, *, hint: str | None = None) -> None:
        super().__init__(f"{call}: {cause}")
        self.call = call
        self.cause = cause if isinstance(cause, PancertError) else None
        self.hint = hint or (self.cause.hint if self.cause is not None else None)


class NeedsPerson(StepFailed):
    """pancert must not guess (e.g. whether an order reached SCM); a person decides."""


def root_of(error: PancertError) -> PancertError:
    """The innermost error: the one whose class says what went wrong."""
    while isinstance(error, StepFailed) and error.cause is not None:
        error = error.cause
    return error


def is_bad_input(error: PancertError) -> bool:
    return isinstance(root_of(error), BadInputError)


@contextmanager
def calling(call: str) -> Iterator[None]:
    """Name the external call a port error came from; the error itself travels on."""
    try:
        yield
    except StepFailed:
        raise
    except PancertError as exc:
        raise StepFailed(call, exc) from exc


class InternalError(PancertError):
    """A bug or an unforeseen value that stopped one pair (or one firewall): set aside so
    the others go on; its traceback is in the log file only."""

    hint = "the traceback is in the log file; please report it"

    @classmethod
    def of(cls, exc: Exception) -> InternalError:
        error = cls(
            f"internal error: {type(exc).__name__}: {exc} (the others went on; details in "
            "the log; please report it)"
        )
        error.__cause__ = exc
        return error
