"""Durable file replacement, the one way pancert rewrites a file; private folders.

A temporary file beside the target is written, flushed and fsynced, given its mode, renamed
over the target, and the folder is fsynced: a process killed at any instant leaves the old
content or the new one, never a torn file, and never a secret readable for a moment by others.

Folders pancert creates are 0700 and files 0600 whatever the umask (modes are set, not left
to ``umask``). The state and log folders, the journal, the lock and the log file are never
symbolic links: a link there could send pancert's writes (as root, from cron) anywhere.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import tempfile
from pathlib import Path

from pancert.errors import BadInputError

NEW_FILE_MODE = 0o600
PRIVATE_FOLDER_MODE = 0o700


class UnsafePathError(BadInputError):
    """A state, journal, lock or log path that pancert refuses or cannot write."""


def refuse_symlink(path: Path, what: str) -> None:
    if path.is_symlink():
        error = UnsafePathError(
            f"{path}: the {what} is a symbolic link (to {os.readlink(path)}); refused"
        )
        error.hint = f"replace the link by a real {'folder' if 'folder' in what else 'file'}"
        raise error


def private_folder(path: Path, what: str) -> Path:
    """``path`` as a writable folder, creating it (and missing parents) 0700 whatever the
    umask. Existing folders keep their mode: the state folder may be the profile folder,
    shared on purpose with the Sectigo agent."""
    refuse_symlink(path, what)
    try:
        make_folders(path)
    except OSError as exc:
        raise unwritable(path, what, exc) from None
    if not path.is_dir():
        raise UnsafePathError(f"{path}: the {what} is not a folder")
    if not os.access(path, os.W_OK | os.X_OK):
        raise unwritable(path, what, PermissionError(13, "Permission denied"))
    return path


def make_folders(path: Path) -> None:
    """``mkdir -p`` whose new folders are 0700 whatever the umask."""
    missing = []
    for folder in (path, *path.parents):
        # lexists: a link, even a dangling one, ends the walk like any existing entry. One
        # call, not `exists() or is_symlink()`: mutation testing turns an `or` into `and`,
        # and that mutant walks to "/" and chmods every ancestor 0700 (as root: "/", /tmp).
        if os.path.lexists(folder):
            break
        missing.append(folder)
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_FOLDER_MODE, exist_ok=True)
        os.chmod(folder, PRIVATE_FOLDER_MODE)


def unwritable(path: Path, what: str, exc: OSError) -> UnsafePathError:
    error = UnsafePathError(
        f"{path}: cannot write the {what}: {exc.strerror or exc} (running as {_user()})"
    )
    error.hint = f"make {path} writable for {_user()}, or point the configuration elsewhere"
    return error


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "this user"


def open_private(path: Path, what: str, *, append: bool = True) -> int:
    """A file descriptor on ``path``, created 0600 (whatever the umask), never through a
    symbolic link."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    flags |= getattr(os, "O_NOFOLLOW", 0)
    refuse_symlink(path, what)
    existed = path.exists()
    try:
        fd = os.open(path, flags, NEW_FILE_MODE)
    except OSError as exc:
        raise unwritable(path, what, exc) from None
    if not existed and hasattr(os, "fchmod"):
        os.fchmod(fd, NEW_FILE_MODE)
    return fd


def atomic_write(path: Path, data: bytes | str, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data``. ``mode`` None keeps the existing file's permission
    bits (0600 for a new file)."""
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = NEW_FILE_MODE
    payload = data.encode("utf-8") if isinstance(data, str) else data
    make_folders(path.parent)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode) if hasattr(os, "fchmod") else os.chmod(temp_name, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable. Windows cannot open a folder for fsync; its
    rename is already durable there."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
