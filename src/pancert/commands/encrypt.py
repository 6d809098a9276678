"""``pancert encrypt [-p PROFILE]``: encrypt the secrets of the credentials file and the
firewall profiles in place, in the sops v3 format (as the Sectigo agent's ``-a encrypt``)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pancert.errors import ConfigError, Problem

if TYPE_CHECKING:
    from pancert.config import LoadedConfig

NAME = "encrypt"
HELP = "encrypt the secrets in sectigo_credentials.yaml and fw_*.yaml in place (sops format)"


_FW_KEY = "paloalto_fw_profile"


def add_profile_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-p",
        "--profile",
        action="append",
        metavar="PROFILE",
        help="only the credentials file and the fw_*.yaml files this certificate profile "
        "uses (repeatable); default: all of them",
    )


def secret_files(loaded: LoadedConfig, names: list[str] | None) -> list[Path]:
    """The credentials file and the firewall profiles the selected profiles use.

    A profile set aside as broken (typically: plaintext secrets while
    sectigo_encrypt_credentials is on — exactly what encrypt must fix) still names its
    firewall files, so they are read from its raw ``paloalto_fw_profile``.
    """
    from pancert.config.yamlio import load_yaml

    files = set(loaded.secret_files_for(names))
    for name in names or ():
        stem = re.sub(r"\.ya?ml$", "", Path(name).name, flags=re.IGNORECASE)
        path = loaded.profile_files.get(stem)
        if stem in loaded.profiles or path is None:
            continue
        raw: Any = load_yaml(path)
        listed = next((v for k, v in (raw or {}).items() if str(k).lower() == _FW_KEY), None)
        entries = listed if isinstance(listed, list) else re.split(r"[,\s]+", str(listed or ""))
        for entry in entries:
            firewall = loaded.firewalls.get(re.sub(r"\.ya?ml$", "", str(entry).strip()))
            if firewall is not None:
                files.add(firewall.source)
    return sorted(files)


def recipients(loaded: LoadedConfig) -> tuple[list[str], list[str]]:
    """(GPG fingerprints, age recipients) from config.yaml; at least one is required."""
    app = loaded.app
    pgp = list(app.gnu_keys)
    age = list(app.age_recipients)
    if not pgp and not age:
        raise ConfigError(
            [
                Problem(
                    str(loaded.config_path),
                    "sectigo_gnu_key",
                    "no recipient to encrypt to",
                    "a GnuPG fingerprint in sectigo_gnu_key and/or age1… recipients in "
                    "pancert_age_recipients",
                )
            ]
        )
    return pgp, age


def configure(parser: argparse.ArgumentParser) -> None:
    add_profile_option(parser)


def run(args: argparse.Namespace) -> int:
    from pancert import status_codes
    from pancert.config import load_config
    from pancert.secrets import EncryptStatus, encrypt_file

    loaded = load_config(getattr(args, "config", None))
    pgp, age = recipients(loaded)
    for path in secret_files(loaded, args.profile):
        outcome = encrypt_file(
            path, pgp_fingerprints=pgp, age_recipients=age, gnupg_home=loaded.app.gnupg_home
        )
        if outcome.status is EncryptStatus.UNCHANGED:
            print(f"{path}: already encrypted to these recipients, nothing to do")
        elif not outcome.encrypted_fields:
            print(f"{path}: {outcome.status.value}, but it holds no secret field")
        else:
            fields = ", ".join(outcome.encrypted_fields)
            print(f"{path}: {outcome.status.value} ({fields})")
    return status_codes.CONVERGED
