"""``pancert edit FILE``: edit a sops file without leaving its plaintext on disk for long.

The file is decrypted into a 0600 temporary file in a private folder, ``$EDITOR`` runs on it,
and the result is encrypted again (a new data key, the same recipients and rule) and written
atomically. An unchanged file is not rewritten. A plaintext file is encrypted to the
recipients in config.yaml, as ``pancert encrypt`` would.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pancert.config import LoadedConfig

NAME = "edit"
HELP = "decrypt FILE to a private temporary file, run $EDITOR, and encrypt it again"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", type=Path, help="the sops (or plaintext) file")


def run(args: argparse.Namespace) -> int:
    import os
    import shlex
    import subprocess
    import tempfile

    from pancert import secrets, status_codes
    from pancert.errors import UsageError

    path: Path = args.file
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
    editor = os.environ.get("SOPS_EDITOR") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory(prefix="pancert-edit-") as folder:
        temp = Path(folder) / path.name
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(plain)
        done = subprocess.run([*shlex.split(editor), str(temp)], check=False)
        if done.returncode != 0:
            raise UsageError(f"{path}: the editor exited with status {done.returncode}; unchanged")
        edited = temp.read_text(encoding="utf-8")
    if edited == plain:
        print(f"{path}: file has not changed")
        return status_codes.CONVERGED
    if encrypted:
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
    print(f"{path}: saved and encrypted")
    return status_codes.CONVERGED


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
