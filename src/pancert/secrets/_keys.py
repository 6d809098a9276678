"""Wrapping the 32-byte data key: PGP through the ``gpg`` program, age through pyrage (§7).

gpg always runs with ``--batch --pinentry-mode error`` so an unattended run fails at once
instead of waiting for a passphrase; the data key only ever travels through stdin/stdout
pipes, never through arguments or the environment. sops tries age keys before PGP keys and
any one key that works is enough; the same order is used here.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pyrage

from pancert.redaction import register_secret
from pancert.secrets._errors import (
    PASSPHRASE_HINT,
    GpgUnavailableError,
    NoDataKeyError,
    SecretsFileError,
)
from pancert.secrets._metadata import AgeKey, Metadata, PgpKey

DATA_KEY_BYTES = 32
_GPG_TIMEOUT_S = 60
_PASSPHRASE_MARKERS = ("passphrase", "pinentry", "Inappropriate ioctl")


@dataclass(frozen=True)
class _GpgResult:
    returncode: int
    stdout: bytes
    stderr: str


def _gpg(args: list[str], stdin: bytes, gnupg_home: Path | None, source: Path) -> _GpgResult:
    command = [os.environ.get("SOPS_GPG_EXEC", "gpg"), "--batch", "--no-tty"]
    command += ["--pinentry-mode", "error"]
    if gnupg_home is not None:
        command += ["--homedir", str(gnupg_home)]
    try:
        done = subprocess.run(
            command + args, input=stdin, capture_output=True, timeout=_GPG_TIMEOUT_S, check=False
        )
    except FileNotFoundError as exc:
        raise GpgUnavailableError(
            source,
            "GnuPG (gpg) is not installed or not on PATH",
            hint="install GnuPG, or use age recipients (pancert_age_recipients)",
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise NoDataKeyError(source, "gpg did not answer in time", hint=PASSPHRASE_HINT) from exc
    return _GpgResult(done.returncode, done.stdout, done.stderr.decode("utf-8", "replace"))


def _gpg_failure(stderr: str) -> str:
    """gpg's failure lines (e.g. ``public key decryption failed: No pinentry``), joined."""
    lines = [line for line in stderr.splitlines() if line.startswith("gpg:") and "fail" in line]
    lines = lines or [line for line in stderr.splitlines() if line.startswith("gpg:")][-1:]
    return "; ".join(lines) if lines else stderr.strip()[:200]


def pgp_unwrap(entry: PgpKey, gnupg_home: Path | None, source: Path) -> bytes | str:
    """The data key, or the reason this entry could not give it."""
    result = _gpg(["--decrypt"], entry.enc.strip().encode() + b"\n", gnupg_home, source)
    if result.returncode != 0:
        return _gpg_failure(result.stderr)
    if len(result.stdout) != DATA_KEY_BYTES:
        return f"decrypted to {len(result.stdout)} bytes, not a 32-byte data key"
    return result.stdout


def pgp_wrap(key: bytes, fingerprint: str, gnupg_home: Path | None, source: Path) -> PgpKey:
    fp = fingerprint.replace(" ", "").upper()
    args = ["--no-default-recipient", "--yes", "--encrypt", "--armor", "--recipient", fp]
    # The fingerprint was chosen explicitly in config.yaml; that is the trust decision.
    args += ["--trust-model", "always", "--no-encrypt-to"]
    result = _gpg(args, key, gnupg_home, source)
    if result.returncode != 0 or not result.stdout.startswith(b"-----BEGIN PGP MESSAGE-----"):
        raise NoDataKeyError(
            source,
            f"gpg could not encrypt to {fp}: {_gpg_failure(result.stderr)}",
            hint="import the public key for sectigo_gnu_key (gpg --import) or fix the fingerprint",
        )
    created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return PgpKey(fp=fp, enc=result.stdout.decode().strip(), created_at=created)


def age_identities() -> list[pyrage.x25519.Identity]:
    """Identities as sops finds them: SOPS_AGE_KEY_FILE, SOPS_AGE_KEY, then keys.txt (§7)."""
    texts: list[str] = []
    key_file = os.environ.get("SOPS_AGE_KEY_FILE")
    if key_file and Path(key_file).is_file():
        texts.append(Path(key_file).read_text(encoding="utf-8"))
    if os.environ.get("SOPS_AGE_KEY"):
        texts.append(os.environ["SOPS_AGE_KEY"])
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    default = Path(config_home) / "sops" / "age" / "keys.txt"
    if default.is_file():
        texts.append(default.read_text(encoding="utf-8"))
    identities = []
    for text in texts:
        for raw in text.splitlines():
            line = raw.strip()
            if line.startswith("AGE-SECRET-KEY-"):
                register_secret(line)
                identities.append(pyrage.x25519.Identity.from_str(line))
    return identities


def age_wrap(key: bytes, recipient: str, source: Path) -> AgeKey:
    try:
        parsed = pyrage.x25519.Recipient.from_str(recipient.strip())
    except pyrage.RecipientError as exc:
        raise SecretsFileError(
            source, f"invalid age recipient {recipient!r}", hint="age recipients start with age1"
        ) from exc
    armored = pyrage.encrypt(key, [parsed], armored=True)
    return AgeKey(recipient=recipient.strip(), enc=armored.decode())


def unwrap_data_key(meta: Metadata, *, gnupg_home: Path | None, source: Path) -> bytes:
    """Try age then PGP entries; the first 32-byte key wins. Registers it for redaction."""
    reasons: list[str] = []
    if meta.age:
        identities = age_identities()
        for entry in meta.age:
            if not identities:
                reasons.append(f"age {entry.recipient}: no age identity found")
                continue
            try:
                key = pyrage.decrypt(entry.enc.encode(), identities)
            except pyrage.DecryptError:
                reasons.append(f"age {entry.recipient}: no matching identity")
                continue
            if len(key) == DATA_KEY_BYTES:
                return _known(key)
            reasons.append(f"age {entry.recipient}: not a 32-byte data key")
    for pgp in meta.pgp:
        outcome = pgp_unwrap(pgp, gnupg_home, source)
        if isinstance(outcome, bytes):
            return _known(outcome)
        reasons.append(f"pgp {pgp.fp}: {outcome}")
    if not reasons:
        reasons.append("the file lists no pgp or age key")
    passphrase = any(m in r for r in reasons for m in _PASSPHRASE_MARKERS)
    raise NoDataKeyError(
        source,
        "failed to get the data key required to decrypt the file (" + "; ".join(reasons) + ")",
        hint=PASSPHRASE_HINT
        if passphrase
        else "import the matching GPG secret key or set SOPS_AGE_KEY_FILE",
    )


def _known(key: bytes) -> bytes:
    register_secret(key.hex())
    return key
