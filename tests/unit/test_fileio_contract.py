"""The contract of src/pancert/fileio.py, the one way pancert writes files and folders.

What a user relies on: new files are 0600 and new folders 0700 whatever the umask (and the
folders pancert did not create keep theirs); a write is all or nothing (the old content, or
the new, never a torn file, never a temporary file left beside it); symbolic links are
refused, also when one appears between the check and the open; and an unwritable path is
one message naming the path, what it is for, the system's reason and the user, with the
hint. Failures are simulated by replacing the os function that would fail, since these
tests run as root, which no mode bit stops.
"""

from __future__ import annotations

import errno
import getpass
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from pancert import fileio
from pancert.fileio import (
    UnsafePathError,
    atomic_write,
    fsync_folder,
    make_folders,
    open_private,
    private_folder,
    refuse_symlink,
)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask() -> Iterator[None]:
    """A umask that would take the owner's write bit (0o277): pancert must set modes."""
    old = os.umask(0o277)
    yield
    os.umask(old)


@pytest.fixture
def user(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(getpass, "getuser", lambda: "pancert-svc")
    return "pancert-svc"


# --- atomic_write ---------------------------------------------------------------------------


@pytest.mark.usefixtures("umask")
def test_a_new_file_is_0600_in_new_0700_folders_and_the_parent_keeps_its_mode(
    tmp_path: Path,
) -> None:
    tmp_path.chmod(0o755)
    target = tmp_path / "state" / "journal" / "web@fw_a.json"
    atomic_write(target, "déjà vu\n")
    assert target.read_bytes() == b"d\xc3\xa9j\xc3\xa0 vu\n"  # UTF-8
    assert mode_of(target) == 0o600
    assert mode_of(tmp_path / "state") == 0o700
    assert mode_of(tmp_path / "state" / "journal") == 0o700
    assert mode_of(tmp_path) == 0o755, "a folder pancert did not create keeps its mode"
    assert os.listdir(target.parent) == ["web@fw_a.json"]


def test_bytes_are_written_as_they_are(tmp_path: Path) -> None:
    target = tmp_path / "key.der"
    atomic_write(target, b"\x00\xff\r\n")
    assert target.read_bytes() == b"\x00\xff\r\n"


def test_a_replaced_file_keeps_its_mode_unless_one_is_given(tmp_path: Path) -> None:
    target = tmp_path / "config.yaml"
    target.write_text("old\n")
    target.chmod(0o640)
    atomic_write(target, "new\n")
    assert (target.read_text(), mode_of(target)) == ("new\n", 0o640)
    atomic_write(target, "newer\n", mode=0o644)
    assert (target.read_text(), mode_of(target)) == ("newer\n", 0o644)


def test_without_fchmod_the_temporary_file_gets_its_mode_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Platforms without os.fchmod (Windows) set the mode through the temporary file's name."""
    monkeypatch.delattr(os, "fchmod")
    target = tmp_path / "web.ids"
    atomic_write(target, b"e30=", mode=0o644)
    assert (target.read_bytes(), mode_of(target)) == (b"e30=", 0o644)


def test_the_temporary_file_is_hidden_beside_the_target_and_fsynced_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash before the rename leaves ``.<name>.<random>.tmp`` in the same folder (a rename
    across file systems would not be atomic), which no reader of ``*.json`` ever picks up."""
    events: list[tuple[str, object]] = []
    renames: list[tuple[Path, str, Path]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        info = os.fstat(fd)
        events.append(("fsync", "folder" if stat.S_ISDIR(info.st_mode) else info.st_size))
        real_fsync(fd)

    def replace(source: str, destination: Path) -> None:
        events.append(("replace", destination))
        renames.append((Path(source).parent, Path(source).name, destination))
        real_replace(source, destination)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    target = tmp_path / "web@fw_a.json"
    atomic_write(target, b"0123456789")
    assert [kind for kind, _ in events] == ["fsync", "replace", "fsync"]
    assert events[0] == ("fsync", 10), "the whole payload is on disk before the rename"
    assert events[1] == ("replace", target)
    [(folder, name, _)] = renames
    assert folder == tmp_path
    assert re.fullmatch(r"\.web@fw_a\.json\.[^/]+\.tmp", name), name
    assert events[2] == ("fsync", "folder")


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_write_leaves_the_old_content_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "web@fw_a.json"
    target.write_bytes(b"old")

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, failing, full)
    with pytest.raises(OSError, match="No space left on device"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["web@fw_a.json"]


def test_an_interrupt_just_after_the_rename_is_passed_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C once the rename is done: the temporary file is already gone, which the clean-up
    must take in its stride, and the interrupt (not a clean-up error) reaches the caller."""
    real_replace = os.replace

    def replace_then_interrupt(source: str, destination: Path) -> None:
        real_replace(source, destination)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", replace_then_interrupt)
    target = tmp_path / "web@fw_a.json"
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["web@fw_a.json"]


def test_only_a_folder_is_fsynced_as_a_folder(tmp_path: Path) -> None:
    """The folder is opened as a folder (O_DIRECTORY): a file there is an error, not a
    silent fsync of something that holds no directory entry."""
    (tmp_path / "file").write_bytes(b"")
    fsync_folder(tmp_path)
    with pytest.raises(NotADirectoryError):
        fsync_folder(tmp_path / "file")


# --- folders --------------------------------------------------------------------------------


def test_new_folders_are_private_from_their_first_instant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Created 0700 by mkdir itself (the chmod after it only undoes the umask), and only the
    folders that were missing are touched."""
    chmods: list[tuple[Path, int]] = []
    monkeypatch.setattr(os, "chmod", lambda path, mode: chmods.append((Path(path), mode)))
    old = os.umask(0o022)
    try:
        make_folders(tmp_path / "a" / "b")
    finally:
        os.umask(old)
    assert mode_of(tmp_path / "a") == mode_of(tmp_path / "a" / "b") == 0o700
    assert chmods == [(tmp_path / "a", 0o700), (tmp_path / "a" / "b", 0o700)]


def test_a_folder_made_at_the_same_moment_by_another_run_is_fine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs (cron and a person) may both find the folder missing; the second mkdir must
    not fail."""
    racing = tmp_path / "state"
    racing.mkdir()
    real = os.path.lexists
    monkeypatch.setattr(os.path, "lexists", lambda p: False if Path(p) == racing else real(p))
    make_folders(racing / "journal")
    assert (racing / "journal").is_dir()


@pytest.mark.usefixtures("umask")
def test_private_folder_creates_and_returns_the_folder(tmp_path: Path) -> None:
    made = private_folder(tmp_path / "state" / "logs", "log folder")
    assert made == tmp_path / "state" / "logs"
    assert mode_of(made) == mode_of(tmp_path / "state") == 0o700


def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    """The state folder may be the profile folder, shared on purpose with the Sectigo agent."""
    shared = tmp_path / "profiles"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    assert private_folder(shared, "state folder") == shared
    assert mode_of(shared) == 0o755


def test_a_file_where_the_folder_should_be_is_named(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("")
    with pytest.raises(UnsafePathError) as caught:
        private_folder(tmp_path / "state", "state folder")
    assert str(caught.value) == f"{tmp_path / 'state'}: the state folder is not a folder"


def test_a_folder_that_cannot_be_made_names_the_reason_and_the_user(
    tmp_path: Path, user: str
) -> None:
    (tmp_path / "state").write_text("")
    wanted = tmp_path / "state" / "journal"
    with pytest.raises(UnsafePathError) as caught:
        private_folder(wanted, "journal folder")
    assert_cannot_write(caught.value, wanted, "journal folder", "Not a directory")


def test_a_folder_the_user_may_not_write_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, user: str
) -> None:
    """Root may write anywhere, so the refusal of the system is simulated: reading and
    entering are allowed, writing is not."""
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, m: False if m & os.W_OK else real_access(p, m))
    with pytest.raises(UnsafePathError) as caught:
        private_folder(tmp_path, "state folder")
    assert_cannot_write(caught.value, tmp_path, "state folder", "Permission denied")


# --- links ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("what", "hint"),
    [
        ("state folder", "replace the link by a real folder"),
        ("log folder", "replace the link by a real folder"),
        ("journal record", "replace the link by a real file"),
        ("lock file", "replace the link by a real file"),
    ],
)
def test_a_link_is_refused_with_where_it_points(tmp_path: Path, what: str, hint: str) -> None:
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UnsafePathError) as caught:
        refuse_symlink(link, what)
    assert str(caught.value) == (
        f"{link}: the {what} is a symbolic link (to {tmp_path / 'elsewhere'}); refused"
    )
    assert caught.value.hint == hint
    refuse_symlink(tmp_path, what)  # a real folder passes


def test_a_dangling_link_on_the_way_is_not_replaced_by_a_folder(tmp_path: Path) -> None:
    (tmp_path / "state").symlink_to(tmp_path / "gone")
    with pytest.raises(FileNotFoundError):
        make_folders(tmp_path / "state" / "journal")
    assert (tmp_path / "state").is_symlink()
    assert not (tmp_path / "gone").exists()


def test_private_folder_refuses_a_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "logs").symlink_to(tmp_path / "real")
    with pytest.raises(UnsafePathError, match="the log folder is a symbolic link"):
        private_folder(tmp_path / "logs", "log folder")


# --- open_private ---------------------------------------------------------------------------


@pytest.mark.usefixtures("umask")
def test_open_private_creates_0600_and_appends(tmp_path: Path) -> None:
    path = tmp_path / "pancert.log"
    fd = open_private(path, "log file")
    try:
        os.write(fd, b"one\n")
    finally:
        os.close(fd)
    fd = open_private(path, "log file")
    try:
        os.write(fd, b"two\n")
    finally:
        os.close(fd)
    assert (path.read_bytes(), mode_of(path)) == (b"one\ntwo\n", 0o600)


def test_open_private_truncates_when_asked_and_keeps_an_existing_mode(tmp_path: Path) -> None:
    path = tmp_path / "lock"
    path.write_bytes(b"12345\n")
    path.chmod(0o644)
    fd = open_private(path, "lock file", append=False)
    try:
        os.write(fd, b"7\n")
    finally:
        os.close(fd)
    assert (path.read_bytes(), mode_of(path)) == (b"7\n", 0o644)


def test_open_private_without_fchmod_creates_0600(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(os, "fchmod")
    old = os.umask(0)
    try:
        os.close(open_private(tmp_path / "pancert.log", "log file"))
    finally:
        os.umask(old)
    assert mode_of(tmp_path / "pancert.log") == 0o600


def test_open_private_refuses_a_link_and_one_slipped_in_after_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, user: str
) -> None:
    """The check names the link; a link created between the check and the open (a race an
    attacker can win) is still not followed (O_NOFOLLOW)."""
    target = tmp_path / "victim"
    target.write_bytes(b"")
    link = tmp_path / "pancert.log"
    link.symlink_to(target)
    with pytest.raises(UnsafePathError) as caught:
        open_private(link, "log file")
    assert caught.value.hint == "replace the link by a real file"
    monkeypatch.setattr(fileio, "refuse_symlink", lambda path, what: None)
    with pytest.raises(UnsafePathError) as caught:
        open_private(link, "log file")
    assert str(caught.value) == (
        f"{link}: cannot write the log file: Too many levels of symbolic links "
        "(running as pancert-svc)"
    )
    assert target.read_bytes() == b""


def test_open_private_names_a_file_it_cannot_open(tmp_path: Path, user: str) -> None:
    path = tmp_path / "missing" / "pancert.log"
    with pytest.raises(UnsafePathError) as caught:
        open_private(path, "log file")
    assert_cannot_write(caught.value, path, "log file", "No such file or directory")


# --- the user named in messages -------------------------------------------------------------


def test_the_user_is_named_by_uid_when_it_has_no_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def nameless() -> str:
        raise KeyError("getpwuid(): uid not found: 4242")

    monkeypatch.setattr(getpass, "getuser", nameless)
    monkeypatch.setattr(os, "getuid", lambda: 4242)
    error = fileio.unwritable(tmp_path, "state", OSError(errno.EROFS, "Read-only"))
    assert str(error) == f"{tmp_path}: cannot write the state: Read-only (running as uid 4242)"
    assert (
        error.hint == f"make {tmp_path} writable for uid 4242, or point the configuration elsewhere"
    )
    monkeypatch.delattr(os, "getuid")  # Windows: no uid either
    error = fileio.unwritable(tmp_path, "state", OSError("disk gone"))
    assert str(error) == f"{tmp_path}: cannot write the state: disk gone (running as this user)"


def assert_cannot_write(error: UnsafePathError, path: Path, what: str, reason: str) -> None:
    """The message names the path, what it is for, the system's reason and the user; the
    hint says what to do (src/pancert/fileio.py)."""
    assert str(error) == f"{path}: cannot write the {what}: {reason} (running as pancert-svc)"
    assert error.hint == (
        f"make {path} writable for pancert-svc, or point the configuration elsewhere"
    )
