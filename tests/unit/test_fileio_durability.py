"""Durability of the atomic write: the rename itself must reach the disk.

POSIX makes a rename durable only once the folder holding it is fsynced (see the Linux
fsync(2) manual: "Calling fsync() does not necessarily ensure that the entry in the directory
containing the file has also reached disk. For that an explicit fsync() on a file descriptor
for the directory is also needed."). These tests record every ``os.fsync`` and ``os.replace``
and check the order: file data fsynced, then renamed, then the folder fsynced.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from pancert.fileio import atomic_write
from pancert.lifecycle.journal import Journal

pytestmark = pytest.mark.skipif(
    not hasattr(os, "O_DIRECTORY"), reason="Windows cannot fsync a folder"
)

Event = tuple[str, str]


def _record(monkeypatch: pytest.MonkeyPatch) -> list[Event]:
    """Wrap os.fsync and os.replace; each call is logged with what the descriptor is."""
    events: list[Event] = []
    real_fsync: Callable[[int], None] = os.fsync
    real_replace = os.replace

    def fsync(fd: int) -> None:
        info = os.fstat(fd)
        kind = "dir" if stat.S_ISDIR(info.st_mode) else "file"
        events.append((f"fsync-{kind}", f"{info.st_dev}:{info.st_ino}"))
        real_fsync(fd)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        real_replace(src, dst)
        events.append(("replace", str(dst)))

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return events


def _identity(path: Path) -> str:
    info = path.stat()
    return f"{info.st_dev}:{info.st_ino}"


def test_the_folder_is_fsynced_after_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "state" / "record.json"
    events = _record(monkeypatch)
    atomic_write(target, b"{}")
    kinds = [kind for kind, _ in events]
    assert kinds == ["fsync-file", "replace", "fsync-dir"], events
    assert events[1] == ("replace", str(target))
    assert events[2][1] == _identity(target.parent), "the fsynced folder is the target's own"
    assert target.read_bytes() == b"{}"


def test_an_order_id_on_disk_survives_a_power_loss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The order id is the one write that must outlive a crash (a rerun would re-order)."""
    journal = Journal(tmp_path)
    events = _record(monkeypatch)
    journal.write_ids("web", 4242, None, api="enrollment")
    written = journal.ids_path("web")
    replaced = [
        i for i, (kind, dst) in enumerate(events) if kind == "replace" and dst == str(written)
    ]
    assert replaced, events
    after = events[replaced[-1] + 1 :]
    assert ("fsync-dir", _identity(written.parent)) in after, events
    assert journal.read_ids("web") == (4242, None)
