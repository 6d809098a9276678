"""``pancert keygen fw_NAME.yaml``: get a PAN-OS API key and store it in the firewall profile.

The admin's user name is asked for (or ``--user``), the password only through ``getpass`` —
never on the command line, where ``ps`` would show it. The key comes from ``type=keygen``
sent as a form POST over verified TLS (the profile's CA bundle, pin or explicit insecure
setting apply), and is written into ``paloalto_api_key`` with comments and key order kept
(ruamel.yaml round trip), atomically: a temporary file in the same folder, fsync, rename,
the original file's permissions kept. With ``sectigo_encrypt_credentials`` on, the file is
encrypted again right after (sops, as ``pancert encrypt`` would).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pancert import status_codes
from pancert.errors import ConfigError, Problem, UsageError

if TYPE_CHECKING:
    from pancert.config import LoadedConfig

NAME = "keygen"
HELP = "ask for a firewall admin's user and password, store a new API key in fw_NAME.yaml"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("profile", metavar="fw_NAME.yaml", help="the firewall profile to update")
    parser.add_argument("--user", help="admin user name (asked for when omitted)")


def _loaded(args: argparse.Namespace) -> LoadedConfig | None:
    """config.yaml when one can be found, for the profile folder and encryption settings."""
    from pancert.config import load_config

    try:
        return load_config(getattr(args, "config", None))
    except ConfigError:
        if getattr(args, "config", None):
            raise
        return None


def _profile_path(name: str, loaded: LoadedConfig | None) -> Path:
    from pancert.config.fields import profile_name

    path = Path(name)
    stem = profile_name(path.name)
    if loaded is not None and stem in loaded.firewalls:
        return loaded.firewalls[stem].source
    candidates = [path, path.with_suffix(".yaml")] if not path.suffix else [path]
    if loaded is not None:
        candidates.append(loaded.app.cert_profile_path / f"{stem}.yaml")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise UsageError(f"{name}: no such firewall profile (give fw_NAME.yaml or its path)")


def _read(path: Path) -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    with path.open(encoding="utf-8") as handle:
        document = yaml.load(handle)
    if not hasattr(document, "get"):
        raise ConfigError([Problem(str(path), "", "is not a mapping of firewall settings")])
    if "sops" in document:
        raise UsageError(
            f"{path} is encrypted: run `pancert decrypt` first; keygen encrypts it again "
            "when sectigo_encrypt_credentials is on"
        )
    if not str(document.get("paloalto_url") or "").strip():
        raise ConfigError(
            [Problem(str(path), "paloalto_url", "is empty", "https://firewall.example.com")]
        )
    return document


def write_atomically(path: Path, document: Any) -> None:
    """The YAML document, comments and quoting kept, written durably; the file's mode kept."""
    from ruamel.yaml import YAML

    from pancert.fileio import atomic_write

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    text = io.StringIO()
    yaml.dump(document, text)
    atomic_write(path, text.getvalue())


def _insecure(value: object, path: Path) -> bool:
    """``paloalto_tls_insecure`` read with the same words as every other boolean field."""
    from pydantic_core import PydanticCustomError

    from pancert.config.fields import BOOL_ALLOWED, parse_bool

    if value is None or value == "":
        return False
    try:
        return parse_bool(value)
    except PydanticCustomError as exc:
        problem = Problem(str(path), "paloalto_tls_insecure", str(exc), BOOL_ALLOWED)
        raise ConfigError([problem]) from None


async def _keygen(document: Any, path: Path, user: str, password: str) -> str:

    from pancert.panos import PanosClient
    from pancert.panos.tls import build_verify

    bundle = document.get("paloalto_ca_bundle")
    bundle_path = (path.parent / str(bundle)) if bundle else None
    verify = build_verify(
        bundle_path,
        str(document.get("paloalto_tls_fingerprint") or "") or None,
        _insecure(document.get("paloalto_tls_insecure"), path),
    )
    url = str(document["paloalto_url"]).strip()
    if "://" not in url:
        url = f"https://{url}"
    from pancert.httpio import async_client  # aiohttp only for this command, not for --help

    async with async_client(verify=verify, timeout=30) as http:
        key = await PanosClient.keygen(url, user, password, http)
    return key.get_secret_value()


def run(args: argparse.Namespace) -> int:
    from pancert.redaction import register_secret

    loaded = _loaded(args)
    path = _profile_path(args.profile, loaded)
    document = _read(path)
    try:
        user = args.user or input("PAN-OS admin user: ").strip()
        if not user:
            raise UsageError("an admin user name is required")
        password = getpass.getpass(f"password for {user}: ")
    except EOFError:
        error = UsageError(
            "keygen asks for the admin password on a terminal, and none is attached "
            "(standard input is closed or empty)"
        )
        error.hint = "run `pancert keygen` in an interactive shell; the password is never read "
        error.hint += "from arguments or the environment"
        raise error from None
    register_secret(password)
    key = asyncio.run(_keygen(document, path, user, password))
    document["paloalto_api_key"] = key
    write_atomically(path, document)
    print(f"stored a new API key for {user} in {path}", file=sys.stderr)
    if loaded is not None and loaded.app.encrypt_credentials:
        from pancert.secrets import encrypt_file

        app = loaded.app
        encrypt_file(
            path,
            pgp_fingerprints=list(app.gnu_keys),
            age_recipients=list(app.age_recipients),
            gnupg_home=app.gnupg_home,
        )
        print(f"encrypted {path} (sectigo_encrypt_credentials)", file=sys.stderr)
    return status_codes.CONVERGED
