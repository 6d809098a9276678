"""The ``sops`` metadata block: parsing with the checks sops makes, and building it (§6)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pancert.secrets._errors import UnsupportedFileError
from pancert.secrets._tree import RULE_KINDS, Rule

WRITTEN_VERSION = "3.11.0"
"""The sops version pancert claims in files it writes: the oldest reader it is tested with."""
_COMMENT_RULES = ("encrypted_comment_regex", "unencrypted_comment_regex")


@dataclass(frozen=True)
class PgpKey:
    fp: str
    enc: str
    created_at: str


@dataclass(frozen=True)
class AgeKey:
    recipient: str
    enc: str


@dataclass(frozen=True)
class Metadata:
    pgp: tuple[PgpKey, ...]
    age: tuple[AgeKey, ...]
    lastmodified: str
    mac: str | None
    rule: Rule
    mac_only: bool
    version: str

    @property
    def mac_aad(self) -> str:
        """§5: lastmodified re-formatted the Go RFC3339 way (whole seconds, ``Z`` for UTC)."""
        return go_rfc3339(self.lastmodified)


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return "" if value is None else str(value)


def go_rfc3339(raw: str) -> str:
    match = re.fullmatch(r"(.{19})(\.\d+)?(Z|[+-]\d\d:\d\d)", raw.strip())
    if match is None:
        return raw
    zone = "Z" if match[3] in ("Z", "+00:00", "-00:00") else match[3]
    return match[1].replace(" ", "T") + zone


def parse_metadata(raw: Any, source: Path) -> Metadata:
    """Validate a ``sops`` block; refuse what pancert cannot decrypt faithfully."""
    if not isinstance(raw, Mapping):
        raise UnsupportedFileError(source, "the top-level 'sops' entry is not a mapping")
    version = _text(raw.get("version"))
    semver = re.match(r"(\d+)\.(\d+)\.(\d+)", version)
    if semver is None:
        raise UnsupportedFileError(
            source,
            f"sops.version {version!r} is not a sops version (no Major.Minor.Patch elements)",
        )
    if semver[1] != "3":
        raise UnsupportedFileError(
            source, f"sops.version {version} is unsupported", hint="only sops v3 files are read"
        )
    for name in _COMMENT_RULES:
        if raw.get(name):
            raise UnsupportedFileError(
                source,
                f"sops.{name} is not supported",
                hint="re-encrypt the file with encrypted_regex or a suffix rule",
            )
    if raw.get("key_groups"):
        raise UnsupportedFileError(
            source, "sops key_groups (Shamir secret sharing) are not supported"
        )
    rules = [(kind, raw[kind]) for kind in RULE_KINDS if raw.get(kind)]
    if len(rules) > 1:
        raise UnsupportedFileError(
            source, "more than one of " + ", ".join(RULE_KINDS) + " is set in sops metadata"
        )
    rule = Rule(rules[0][0], str(rules[0][1])) if rules else Rule()
    try:
        return Metadata(
            pgp=tuple(
                PgpKey(str(item["fp"]).upper(), str(item["enc"]), _text(item.get("created_at")))
                for item in raw.get("pgp") or ()
            ),
            age=tuple(
                AgeKey(str(item["recipient"]), str(item["enc"])) for item in raw.get("age") or ()
            ),
            lastmodified=_text(raw.get("lastmodified")),
            mac=raw.get("mac") or None,
            rule=rule,
            mac_only=bool(raw.get("mac_only_encrypted")),
            version=version,
        )
    except (KeyError, TypeError) as exc:
        raise UnsupportedFileError(
            source, f"sops metadata has a malformed key entry ({exc})"
        ) from exc


def now_rfc3339() -> str:
    """The lastmodified pancert writes: UTC, whole seconds, ``Z`` — its own MAC AAD (§5)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_metadata(
    *, pgp: list[PgpKey], age: list[AgeKey], lastmodified: str, mac: str, rule: Rule
) -> dict[str, Any]:
    """The block in sops 3.11's key order; empty key types are omitted as sops >= 3.10 does."""
    block: dict[str, Any] = {}
    if age:
        block["age"] = [{"recipient": a.recipient, "enc": a.enc} for a in age]
    block["lastmodified"] = lastmodified
    block["mac"] = mac
    if pgp:
        block["pgp"] = [{"created_at": p.created_at, "enc": p.enc, "fp": p.fp} for p in pgp]
    block[rule.kind] = rule.pattern
    block["version"] = WRITTEN_VERSION
    return block
