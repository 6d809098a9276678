"""The state folder: run lock and licence acceptance (the journal and ``.ids`` files live here
too, written by :mod:`pancert.lifecycle.journal`).

The lock is an OS file lock (filelock: ``fcntl.flock`` on POSIX, ``msvcrt.locking`` on
Windows) held on ``pancert.lock``; the OS releases it when the process dies, so a killed run
never blocks the next one and there is no stale-lock cleanup to get wrong. ``status`` and
``validate`` never take it.

Acceptance of the licence notice is a small file in the state folder, so a cron job running as
another user with the same configuration sees it (the Sectigo guide's agent asks
once, on the first run).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TextIO

from filelock import FileLock, Timeout

from pancert.errors import EulaNotAcceptedError, LockHeldError
from pancert.fileio import atomic_write, private_folder, refuse_symlink, unwritable

__all__ = [
    "ACCEPT_ENV",
    "EULA_VERSION",
    "LICENCE_NOTICE",
    "LOCK_FILE",
    "StateFolder",
    "accepted_by_environment",
    "ensure_eula",
]

LOCK_FILE = "pancert.lock"
EULA_FILE = "pancert-eula-accepted.json"
ACCEPT_ENV = "PANCERT_ACCEPT_EULA"
EULA_VERSION = "1"
"""Bump when the notice changes materially: everyone is asked again."""

LICENCE_NOTICE = """\
pancert licence notice (version 1)

pancert is free software under the Apache License, Version 2.0 (see the LICENSE file). It
comes WITHOUT WARRANTY OF ANY KIND, to the extent permitted by law.

pancert orders certificates from Sectigo Certificate Manager with the credentials you
configure. Orders may be billed to your Sectigo account under your agreement with Sectigo;
pancert is not made or endorsed by Sectigo or Palo Alto Networks. It changes your firewalls'
configuration (certificates, bindings) and commits it.
"""

_YES = frozenset({"y", "yes", "true", "on", "1", "accept"})


class StateFolder:
    """pancert's state folder (``pancert_state_path``)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def lock_path(self) -> Path:
        return self.path / LOCK_FILE

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the run lock for the body; another holder raises LockHeldError (exit 3)."""
        private_folder(self.path, "state folder")
        refuse_symlink(self.lock_path, "lock file")
        file_lock = FileLock(self.lock_path, timeout=0, mode=0o600, thread_local=False)
        try:
            file_lock.acquire()
        except Timeout as exc:
            error = LockHeldError(
                f"another pancert run is in progress: the lock {self.lock_path} is held"
            )
            error.hint = "wait for it to finish; the lock is released when that process ends"
            raise error from exc
        except OSError as exc:  # (after Timeout, an OSError too) denied, or a link appeared
            raise unwritable(self.lock_path, "lock file", exc) from None
        try:
            yield
        finally:
            file_lock.release()

    @property
    def eula_path(self) -> Path:
        return self.path / EULA_FILE

    def eula_accepted(self) -> bool:
        try:
            record = json.loads(self.eula_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(record, dict) and record.get("version") == EULA_VERSION

    def accept_eula(self) -> None:
        """Record acceptance durably (write, fsync, rename): a crash leaves the old state."""
        private_folder(self.path, "state folder")
        record = {
            "version": EULA_VERSION,
            "accepted_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "accepted_by": _user(),
        }
        # readable by every account that shares this configuration (a cron user, an admin)
        try:
            atomic_write(self.eula_path, json.dumps(record), mode=0o644)
        except OSError as exc:
            raise unwritable(self.eula_path, "licence acceptance file", exc) from None


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def accepted_by_environment(environ: Mapping[str, str]) -> bool:
    return environ.get(ACCEPT_ENV, "").strip().lower() in _YES


def ensure_eula(
    state: StateFolder,
    *,
    accept_flag: bool,
    environ: Mapping[str, str],
    interactive: bool,
    ask: Callable[[str], str] = input,
    out: TextIO | None = None,
) -> None:
    """Return when the notice is accepted (recording a new acceptance), else raise.

    ``--accept-eula`` or ``PANCERT_ACCEPT_EULA=yes`` accept unattended; on a terminal the
    notice is shown and the user asked; a non-interactive run without either raises
    EulaNotAcceptedError (exit 2) with the one-line fix.
    """
    if state.eula_accepted():
        return
    if accept_flag or accepted_by_environment(environ):
        state.accept_eula()
        return
    if interactive:
        stream = out or sys.stdout
        stream.write(LICENCE_NOTICE + "\n")
        stream.flush()
        try:
            answer = ask("Accept this notice? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() in _YES:
            state.accept_eula()
            return
    error = EulaNotAcceptedError(
        f"the pancert licence notice has not been accepted (recorded in {state.eula_path})"
    )
    error.hint = f"run once with --accept-eula, or set {ACCEPT_ENV}=yes"
    raise error
