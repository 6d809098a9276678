"""Whole files: in-memory decryption for the loader, in-place encryption and decryption.

Formats follow sops' stores, chosen by extension (§1): ``.yaml``/``.yml`` (rewritten as text so
comments, key order and quoting survive), ``.json`` (tab-indented like ``sops -d``), and any
other extension as the binary store ``{"data": ENC, "sops": ...}``. Every write is atomic
(temporary file in the same folder, fsync, rename, folder fsync) and keeps the file's mode
(0600 for new files), so a failure never leaves a half-encrypted file.
"""

from __future__ import annotations

import copy
import json
import secrets as random
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pancert.fileio import atomic_write
from pancert.redaction import register_secret
from pancert.secrets import _keys, _tree, _yamltext
from pancert.secrets._errors import (
    AlreadyEncryptedError,
    NotEncryptedError,
    SecretsFileError,
    UnsupportedFileError,
)
from pancert.secrets._metadata import Metadata, build_metadata, now_rfc3339, parse_metadata

DEFAULT_REGEX = (
    "^(sectigo_cm_user_secret|paloalto_api_key|sectigo_cm_password"
    "|acme_eab_hmac_key|acme_tsig_secret|acme_account_key)$"
)
"""The secret fields of the Sectigo agent's files; everything else stays readable."""


class EncryptStatus(StrEnum):
    ENCRYPTED = "encrypted"
    """A plaintext file was encrypted."""
    UNCHANGED = "unchanged"
    """Already encrypted to the same recipients with the same rule: nothing written."""
    REKEYED = "rekeyed"
    """Encrypted to other recipients (or rule) before: re-encrypted with a new data key."""


class DecryptStatus(StrEnum):
    DECRYPTED = "decrypted"
    UNCHANGED = "unchanged"
    """The file was not encrypted: nothing written."""


@dataclass(frozen=True)
class EncryptOutcome:
    path: Path
    status: EncryptStatus
    encrypted_fields: tuple[str, ...]
    """Dotted paths of the values now encrypted (empty when nothing matched the rule)."""


@dataclass(frozen=True)
class DecryptOutcome:
    path: Path
    status: DecryptStatus


def decrypt_in_memory(document: Any, *, source: Path, gnupg_home: Path | None = None) -> Any:
    """The decrypted copy of a loaded sops document (``sops`` removed), MAC verified.

    ``document`` is a ruamel- or json-loaded mapping with a top-level ``sops`` key; container
    types are kept. Every decrypted string and the data key are registered for redaction.
    ``gnupg_home`` defaults to gpg's own choice ($GNUPGHOME, else ~/.gnupg).
    """
    if not isinstance(document, Mapping) or "sops" not in document:
        raise NotEncryptedError(source, "sops metadata not found")
    meta = parse_metadata(document["sops"], source)
    tree: Any = copy.deepcopy(document)
    del tree["sops"]
    key = _keys.unwrap_data_key(meta, gnupg_home=gnupg_home, source=source)
    leaves = _tree.data_leaves(tree, source)
    # ruamel's TimeStamp loses its time zone in deepcopy: take immutable leaves from the source.
    for original, leaf in zip(_tree.data_leaves(document, source), leaves, strict=True):
        leaf.value = original.value
    new_values, mac = _tree.decrypt_leaves(
        leaves, key, meta.rule, mac_only=meta.mac_only, source=source
    )
    _tree.verify_mac(meta.mac, mac, key, meta.mac_aad, source)
    _tree.apply_to_containers(leaves, new_values)
    return tree


def decrypt_text(text: str, *, source: Path, gnupg_home: Path | None = None) -> str:
    """The plaintext of a sops file's text, as ``sops -d`` would print it (format by name)."""
    kind = _kind(source)
    if kind == "yaml":
        return _decrypt_yaml(text, source, gnupg_home)
    data = _load_json(text, source)
    plain = decrypt_in_memory(data, source=source, gnupg_home=gnupg_home)
    if kind == "binary":
        if not isinstance(plain.get("data"), str):
            raise UnsupportedFileError(source, "binary sops file without a 'data' string")
        return str(plain["data"])
    return json.dumps(_json_numbers(plain), indent="\t", ensure_ascii=False) + "\n"


def _decrypt_yaml(text: str, source: Path, gnupg_home: Path | None) -> str:
    docs = _yamltext.parse(text, source)
    if not docs or docs[0].sops_value is None:
        raise NotEncryptedError(source, "sops metadata not found")
    meta = parse_metadata(docs[0].sops_value, source)
    key = _keys.unwrap_data_key(meta, gnupg_home=gnupg_home, source=source)
    leaves = [leaf for doc in docs for leaf in doc.leaves]
    new_values, mac = _tree.decrypt_leaves(
        leaves, key, meta.rule, mac_only=meta.mac_only, source=source
    )
    _tree.verify_mac(meta.mac, mac, key, meta.mac_aad, source)
    per_doc: list[list[Any]] = []
    for doc in docs:
        per_doc.append(new_values[: len(doc.leaves)])
        new_values = new_values[len(doc.leaves) :]
    return _yamltext.decrypted_text(text, docs, per_doc, key, source)


def _json_numbers(value: Any) -> Any:
    """sops <= 3.13.1 stores JSON numbers as floats; integral ones print without ``.0``."""
    if isinstance(value, dict):
        return {k: _json_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_numbers(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".json":
        return "json"
    if suffix in (".env", ".ini"):
        raise UnsupportedFileError(path, f"sops {suffix[1:]} files are not supported")
    return "binary"


def _load_json(text: str, source: Path) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for name, value in items:
            if name in seen:
                raise UnsupportedFileError(source, f"duplicate key {name!r}")
            seen[name] = value
        return seen

    try:
        return json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise UnsupportedFileError(source, f"not valid JSON: {exc}") from exc


def is_encrypted_text(text: str, source: Path) -> bool:
    """True when the file has a top-level ``sops`` entry (YAML: in its first document)."""
    if _kind(source) == "yaml":
        docs = _yamltext.parse(text, source)
        return bool(docs) and docs[0].sops_value is not None
    data = _load_json(text, source)
    return isinstance(data, dict) and "sops" in data


def decrypt_file(path: Path, *, gnupg_home: Path | None = None) -> DecryptOutcome:
    """Decrypt ``path`` in place (atomically); a plaintext file is left alone."""
    text = _read(path)
    if not is_encrypted_text(text, path):
        return DecryptOutcome(path, DecryptStatus.UNCHANGED)
    plain = decrypt_text(text, source=path, gnupg_home=gnupg_home)
    atomic_write(path, plain)
    return DecryptOutcome(path, DecryptStatus.DECRYPTED)


def encrypt_file(
    path: Path,
    *,
    pgp_fingerprints: list[str],
    age_recipients: list[str],
    gnupg_home: Path | None,
    encrypted_regex: str = DEFAULT_REGEX,
) -> EncryptOutcome:
    """Encrypt the values of ``path`` whose key path matches ``encrypted_regex``, in place.

    YAML only (pancert's own files). Already encrypted to exactly these recipients with this
    rule: nothing is written. Otherwise an encrypted file is decrypted in memory and
    encrypted again with a new data key.
    """
    if _kind(path) != "yaml":
        raise UnsupportedFileError(path, "pancert encrypts YAML files only")
    if not pgp_fingerprints and not age_recipients:
        raise SecretsFileError(
            path,
            "no recipients to encrypt to",
            hint="set sectigo_gnu_key and/or pancert_age_recipients in config.yaml",
        )
    fingerprints = [fp.replace(" ", "").upper() for fp in pgp_fingerprints]
    recipients = [r.strip() for r in age_recipients]
    rule = _tree.Rule("encrypted_regex", encrypted_regex)
    text = _read(path)
    status = EncryptStatus.ENCRYPTED
    if is_encrypted_text(text, path):
        meta = parse_metadata(_yamltext.parse(text, path)[0].sops_value, path)
        if _same_keys(meta, fingerprints, recipients, rule):
            return EncryptOutcome(path, EncryptStatus.UNCHANGED, ())
        text = decrypt_text(text, source=path, gnupg_home=gnupg_home)
        status = EncryptStatus.REKEYED
    encrypted, fields = encrypt_text(
        text,
        source=path,
        pgp_fingerprints=fingerprints,
        age_recipients=recipients,
        gnupg_home=gnupg_home,
        rule=rule,
    )
    atomic_write(path, encrypted)
    return EncryptOutcome(path, status, fields)


def _same_keys(meta: Metadata, fps: list[str], recipients: list[str], rule: _tree.Rule) -> bool:
    return (
        {p.fp for p in meta.pgp} == set(fps)
        and {a.recipient for a in meta.age} == set(recipients)
        and meta.rule == rule
    )


def encrypt_text(
    text: str,
    *,
    source: Path,
    pgp_fingerprints: list[str],
    age_recipients: list[str],
    gnupg_home: Path | None,
    rule: _tree.Rule,
) -> tuple[str, tuple[str, ...]]:
    """Encrypted YAML text (new data key) and the dotted paths of the encrypted values."""
    docs = _yamltext.parse(text, source)
    if not docs:
        raise UnsupportedFileError(source, "the file is empty")
    if any(doc.sops_value is not None for doc in docs):
        raise AlreadyEncryptedError(source, "the file already has a top-level 'sops' entry")
    commented = _yamltext.comments_in_encrypted_containers(text, docs, rule.encrypts)
    if commented:
        raise UnsupportedFileError(
            source,
            "comments inside encrypted subtrees are not supported: " + ", ".join(commented),
            hint="move those comments outside the encrypted keys",
        )
    key = random.token_bytes(_keys.DATA_KEY_BYTES)
    register_secret(key.hex())
    leaves = [leaf for doc in docs for leaf in doc.leaves]
    for leaf in leaves:
        if isinstance(leaf.value, str) and rule.encrypts(leaf.path):
            register_secret(leaf.value)
    new_values, mac = _tree.encrypt_leaves(leaves, key, rule, source=source)
    fields = tuple(".".join(leaf.path) for leaf, enc in zip(leaves, new_values, strict=True) if enc)
    pgp = [_keys.pgp_wrap(key, fp, gnupg_home, source) for fp in pgp_fingerprints]
    age = [_keys.age_wrap(key, recipient, source) for recipient in age_recipients]
    lastmodified = now_rfc3339()
    block = _yamltext.metadata_block(
        build_metadata(
            pgp=pgp,
            age=age,
            lastmodified=lastmodified,
            mac=_tree.seal_mac(mac, key, lastmodified),
            rule=rule,
        )
    )
    per_doc: list[list[str | None]] = []
    for doc in docs:
        per_doc.append(new_values[: len(doc.leaves)])
        new_values = new_values[len(doc.leaves) :]
    return _yamltext.encrypted_text(text, docs, per_doc, block), fields


def encrypt_like(text: str, *, template: str, source: Path, gnupg_home: Path | None) -> str:
    """Encrypt ``text`` to the recipients and with the rule of the sops file ``template``
    (a new data key), as ``sops edit`` does when saving."""
    docs = _yamltext.parse(template, source)
    if not docs or docs[0].sops_value is None:
        raise NotEncryptedError(source, "sops metadata not found")
    meta = parse_metadata(docs[0].sops_value, source)
    encrypted, _ = encrypt_text(
        text,
        source=source,
        pgp_fingerprints=[p.fp for p in meta.pgp],
        age_recipients=[a.recipient for a in meta.age],
        gnupg_home=gnupg_home,
        rule=meta.rule,
    )
    return encrypted


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SecretsFileError(path, "file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretsFileError(path, f"cannot read: {exc}") from exc
