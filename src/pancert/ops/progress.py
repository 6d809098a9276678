"""A one-line progress display for runs on a terminal; silent under cron and systemd.

Firewalls done come from the run itself (:attr:`RunSettings.on_firewall_done`); certificates
rotated and orders waiting on SCM come from the journal, which the lifecycle writes before
every step, so the display needs no other hook into the lifecycle.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from types import TracebackType
from typing import TextIO

from pancert.errors import PancertError
from pancert.lifecycle.journal import Journal, Step

POLL_S = 1.0
_WAITING = frozenset({Step.ORDER_INTENT, Step.ORDERED})


class Progress:
    def __init__(
        self, stream: TextIO | None, state_path: Path, total: int, started: dt.datetime
    ) -> None:
        self.stream = stream
        self.journal = Journal(state_path)
        self.total = total
        self.started = started
        self.done = 0
        self.rotated = 0
        self.waiting = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._shown = False

    @classmethod
    def for_terminal(
        cls, stream: TextIO, state_path: Path, total: int, started: dt.datetime
    ) -> Progress:
        """Shown only when ``stream`` is a terminal: cron mails and journald stay clean."""
        return cls(stream if stream.isatty() else None, state_path, total, started)

    @property
    def enabled(self) -> bool:
        return self.stream is not None

    def line(self) -> str:
        return (
            f"firewalls {self.done}/{self.total} done · {self.rotated} certificates rotated"
            f" · {self.waiting} waiting on SCM"
        )

    def firewall_done(self, name: str) -> None:
        with self._lock:
            self.done += 1
        self.render()

    def poll(self) -> None:
        """Count rotations finished in this run and orders not yet issued, from the journal."""
        rotated = waiting = 0
        since = self.started.timestamp()
        folder = self.journal.folder
        for path in folder.glob("*@*.json") if folder.is_dir() else ():
            try:
                if path.stat().st_mtime < since:
                    continue
                profile, _, firewall = path.stem.partition("@")
                record = self.journal.load(profile, firewall)
            except (OSError, PancertError):
                continue  # being replaced right now: the next poll reads it
            if record is None or record.rotation is None:
                continue
            if record.rotation.step is Step.DEPLOYED:
                rotated += 1
            elif record.rotation.step in _WAITING:
                waiting += 1
        with self._lock:
            self.rotated, self.waiting = rotated, waiting

    def render(self) -> None:
        if self.stream is None:
            return
        with self._lock:
            self.stream.write(f"\r\x1b[K{self.line()}")
            self.stream.flush()
            self._shown = True

    def _loop(self) -> None:
        while not self._stop.wait(POLL_S):
            self.poll()
            self.render()

    def __enter__(self) -> Progress:
        if self.enabled:
            self.render()
            self._thread = threading.Thread(target=self._loop, name="progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.stream is not None and self._shown:
            self.poll()  # the last word: what this run rotated and what still waits
            self.stream.write(f"\r\x1b[K{self.line()}\n")
            self.stream.flush()
