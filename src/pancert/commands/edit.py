"""``pancert edit FILE``: edit a sops file without leaving its plaintext on disk for long.

The file is decrypted into a 0600 temporary file in a private folder, ``$EDITOR`` runs on it,
and the result is encrypted again (a new data key, the same recipients and rule) and written
atomically. An unchanged file is not rewritten. A plaintext file is encrypted to the
recipients in config.yaml, as ``pancert encrypt`` would. Edits that cannot be saved (broken
YAML) are edited again or kept in a 0600 copy, never dropped; without a terminal nothing runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pancert.config import LoadedConfig

NAME = "edit"
HELP = "decrypt FILE to a private temporary file, run $EDITOR, and encrypt it again"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", type=Path, help="the sops (or plaintext) file")


def _has_terminal() -> bool:
    import sys

    return sys.stdin.isatty() and sys.stdout.isatty()


def run(args: argparse.Namespace) -> int:
    from pancert import secrets, status_codes
    from pancert.errors import UsageError

    path: Path = args.file
    if not _has_terminal():
        # an editor without a terminal may print the decrypted file (cron mail, a pipe)
        error = UsageError(f"{path}: pancert edit needs a terminal; none is attached")
        error.hint = "run it in an interactive shell; scripts use `pancert encrypt FILE`"
        raise error
    config = _config(getattr(args, "config", None))
    gnupg_home = config.app.gnupg_home if config is not None else None
    original = path.read_text(encoding="utf-8") if path.is_file() else None
    if original is None:
        raise UsageError(f"{path}: no such file")
    encrypted = secrets.is_encrypted_text(original, path)
    plain = (
        secrets.decrypt_text(original, source=path, gnupg_home=gnupg_home)
        if encrypted
        else original
    )
    edited = _edit_until_saved(path, plain, lambda text: _seal(text, original, path, config))
    if edited is None:
        print(f"{path}: file has not changed")
    else:
        print(f"{path}: saved and encrypted")
    return status_codes.CONVERGED


def _edit_until_saved(path: Path, plain: str, save: Callable[[str], None]) -> str | None:
    """Run the editor until ``save`` accepts the text (None: nothing changed). A text it
    refuses (broken YAML, a failed encryption) is never lost: edit it again, or keep it."""
    import os
    import shlex
    import subprocess
    import tempfile

    from pancert.errors import PancertError, UsageError

    editor = os.environ.get("SOPS_EDITOR") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory(prefix="pancert-edit-") as folder:
        temp = Path(folder) / path.name
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(plain)
        while True:
            done = subprocess.run([*shlex.split(editor), str(temp)], check=False)
            if done.returncode != 0:
                raise UsageError(f"{path}: the editor exited with status {done.returncode}")
            edited = temp.read_text(encoding="utf-8")
            if edited == plain:
                return None
            try:
                save(edited)
            except PancertError as exc:
                print(f"pancert: {path}: not saved: {exc}")
                if _ask("Edit again? [Y/n] ") in ("", "y", "yes"):
                    continue
                kept = _keep(path, edited)
                error = UsageError(f"{path}: not saved; your edits are kept in {kept}")
                error.hint = f"{kept} is plaintext (mode 0600): fix it, then delete it"
                raise error from None
            return edited


def _ask(prompt: str) -> str:
    try:
        return input(prompt).strip().lower()
    except EOFError:
        return "n"


def _keep(path: Path, text: str) -> Path:
    """A 0600 copy beside the file, never over anything that exists."""
    import datetime as dt
    import os

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    kept = path.with_name(f".{path.name}.pancert-edit-{stamp}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(kept, flags, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return kept


def _seal(edited: str, original: str, path: Path, config: LoadedConfig | None) -> None:
    from pancert import secrets
    from pancert.errors import UsageError

    gnupg_home = config.app.gnupg_home if config is not None else None
    if secrets.is_encrypted_text(original, path):
        sealed = secrets.encrypt_like(edited, template=original, source=path, gnupg_home=gnupg_home)
    else:
        if config is None:
            raise UsageError(f"{path} is not encrypted and no config.yaml names recipients")
        from pancert.commands.encrypt import recipients

        pgp, age = recipients(config)
        sealed, _ = secrets.encrypt_text(
            edited,
            source=path,
            pgp_fingerprints=pgp,
            age_recipients=age,
            gnupg_home=gnupg_home,
            rule=secrets.Rule("encrypted_regex", secrets.DEFAULT_REGEX),
        )
    secrets.atomic_write(path, sealed)


def _config(config_path: str | None) -> LoadedConfig | None:
    """config.yaml when there is one (gnupg home, recipients); edit works on sops files
    without it, taking recipients from the file itself."""
    from pancert.config import load_config
    from pancert.errors import ConfigError

    try:
        return load_config(config_path)
    except ConfigError:
        if config_path:
            raise
        return None
