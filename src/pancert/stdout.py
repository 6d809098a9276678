"""Standard output that may be closed, full or a broken pipe (cron, ``>&-``, ``| head``).

pancert reports on stdout; the run itself is recorded in the journal and the log. So a
stdout that cannot be written costs the report, never the run: writes that fail are
dropped and remembered, and the CLI says so once on stderr. A stdout closed before start is
reopened on the null device first, so that no file pancert opens (a journal record, the
log) can land on descriptor 1 and receive the report.
"""

from __future__ import annotations

import io
import os
import sys
from typing import Any


class GuardedStdout(io.TextIOBase):
    """Forwards to the real stream; the first failed write or flush ends the output."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.failure: OSError | None = None
        self.closed_at_start = False

    def write(self, text: str) -> int:
        if self.failure is None:
            try:
                return int(self._stream.write(text))
            except OSError as exc:
                self._fail(exc)
        return len(text)

    def flush(self) -> None:
        if self.failure is None:
            try:
                self._stream.flush()
            except OSError as exc:
                self._fail(exc)

    def isatty(self) -> bool:
        return self.failure is None and bool(self._stream.isatty())

    def fileno(self) -> int:
        return int(self._stream.fileno())

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self._stream, "encoding", "utf-8"))

    def _fail(self, exc: OSError) -> None:
        self.failure = exc
        # later writes, and the interpreter's own flush at exit, go nowhere instead of
        # raising again ("Exception ignored … BrokenPipeError")
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, self._stream.fileno())
        except (OSError, ValueError):
            pass
        finally:
            os.close(null)


def install() -> GuardedStdout:
    """Guard ``sys.stdout`` for this process; returns the guard to ask after the command."""
    closed = sys.stdout is None
    if closed:
        null = os.open(os.devnull, os.O_WRONLY)
        if null != 1:
            os.dup2(null, 1)
            os.close(null)
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=True)
    guard = GuardedStdout(sys.stdout)
    guard.closed_at_start = closed
    sys.stdout = guard
    return guard


def problem(guard: GuardedStdout) -> str | None:
    """The one line to print on stderr when the report could not be shown, else None."""
    guard.flush()
    if guard.closed_at_start:
        return "standard output is closed: the report was not shown (the log file has the run)"
    if guard.failure is not None:
        why = guard.failure.strerror or type(guard.failure).__name__
        return f"cannot write to standard output ({why}): the report was not shown fully"
    return None
