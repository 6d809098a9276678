"""Walking a document: which leaves are encrypted, their decryption, and the MAC.

A document is reduced to its ordered list of :class:`Leaf` objects (mapping items in file order,
list items in order, the path made of mapping keys only — reference sops.md §2). The
file layer decides how a leaf is written back (a container slot, or a span of YAML text), so
the cryptographic rules live here once for every format.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, MutableMapping, MutableSequence, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pancert.redaction import register_secret
from pancert.secrets import _values as values
from pancert.secrets._errors import (
    MacMismatchError,
    MalformedValueError,
    UnsupportedFileError,
    ValueDecryptError,
)

RULE_KINDS = ("unencrypted_suffix", "encrypted_suffix", "unencrypted_regex", "encrypted_regex")
DEFAULT_RULE_KIND = "unencrypted_suffix"
DEFAULT_SUFFIX = "_unencrypted"
# §5: with mac_only_encrypted the hash is seeded with SHA-256("sops").
_MAC_ONLY_SEED = hashlib.sha256(b"sops").digest()


@dataclass(frozen=True)
class Rule:
    """The one sops rule selecting encrypted leaves (§4); keys match anywhere on the path."""

    kind: str = DEFAULT_RULE_KIND
    pattern: str = DEFAULT_SUFFIX

    def encrypts(self, path: Sequence[str]) -> bool:
        if self.kind == "unencrypted_suffix":
            return not any(key.endswith(self.pattern) for key in path)
        if self.kind == "encrypted_suffix":
            return any(key.endswith(self.pattern) for key in path)
        hit = any(re.search(self.pattern, key) for key in path)
        return hit if self.kind == "encrypted_regex" else not hit


@dataclass
class Leaf:
    """One scalar of the document; ``ref`` lets the file layer write the new value back."""

    path: tuple[str, ...]
    value: Any
    ref: Any


@dataclass(frozen=True)
class Comment:
    """A decrypted ``type:comment`` value found where sops put a list item (§5)."""

    text: str


def data_leaves(document: Any, source: Path) -> list[Leaf]:
    """Leaves of a loaded tree (dicts, lists, ruamel containers); ``ref`` = (container, key)."""
    return list(_walk(document, (), source))


def _walk(node: Any, path: tuple[str, ...], source: Path) -> Iterator[Leaf]:
    if isinstance(node, Mapping):
        for key, child in node.items():
            if not isinstance(key, str):
                raise UnsupportedFileError(source, f"non-string key {key!r} under {_dotted(path)}")
            if not path and key == "sops":
                continue
            yield from _child(node, key, child, (*path, key), source)
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _child(node, index, child, path, source)


def _child(
    container: Any, key: Any, child: Any, path: tuple[str, ...], src: Path
) -> Iterator[Leaf]:
    if isinstance(child, Mapping | list):
        yield from _walk(child, path, src)
    else:
        yield Leaf(path, child, (container, key))


def _dotted(path: Sequence[str]) -> str:
    return ".".join(path) or "the top level"


def decrypt_leaves(
    leaves: list[Leaf], key: bytes, rule: Rule, *, mac_only: bool, source: Path
) -> tuple[list[Any], str]:
    """Decrypt every leaf the rule covers; return the new values and the computed MAC (hex)."""
    digest = hashlib.sha512(_MAC_ONLY_SEED if mac_only else b"")
    result: list[Any] = []
    for leaf in leaves:
        encrypted = rule.encrypts(leaf.path)
        value = leaf.value
        if encrypted and values.is_enc(value):
            plain = _decrypt_one(value, key, values.aad_for(leaf.path), leaf.path, source)
            if plain.type == "comment":
                result.append(Comment(plain.data.decode()))
                continue
            value = values.decode_plain(plain)
            if isinstance(value, str):
                register_secret(value)
            digest.update(values.mac_bytes(plain))
        elif encrypted and value not in (None, ""):
            raise MalformedValueError(
                source,
                f"{_dotted(leaf.path)}: value at an encrypted path is not an ENC[...] value "
                "(does not match sops' data format)",
            )
        elif value is not None and (encrypted or not mac_only):
            digest.update(values.encode_plain(value).data)
        result.append(value)
    return result, digest.hexdigest().upper()


def _decrypt_one(
    text: str, key: bytes, aad: bytes, path: tuple[str, ...], source: Path
) -> values.Plain:
    try:
        return values.decrypt_value(text, key, aad)
    except values.MalformedValue as exc:
        raise MalformedValueError(source, f"{_dotted(path)}: {exc}") from exc
    except values.AuthenticationFailed as exc:
        raise ValueDecryptError(
            source,
            f"{_dotted(path)}: could not decrypt value (AES-GCM authentication failed: "
            "the file was modified or the value was moved to another key)",
        ) from exc


def encrypt_leaves(
    leaves: list[Leaf], key: bytes, rule: Rule, *, source: Path
) -> tuple[list[str | None], str]:
    """ENC strings for the leaves the rule covers (None = left as is) and the MAC (hex)."""
    digest = hashlib.sha512()
    result: list[str | None] = []
    for leaf in leaves:
        if leaf.value is None:
            result.append(None)
            continue
        if values.is_enc(leaf.value):
            raise MalformedValueError(
                source, f"{_dotted(leaf.path)}: already holds an ENC[...] value"
            )
        try:
            plain = values.encode_plain(leaf.value)
        except values.MalformedValue as exc:
            raise MalformedValueError(source, f"{_dotted(leaf.path)}: {exc}") from exc
        digest.update(plain.data)
        if rule.encrypts(leaf.path) and leaf.value != "":
            result.append(values.encrypt_value(plain, key, values.aad_for(leaf.path)))
        else:
            result.append(None)
    return result, digest.hexdigest().upper()


def seal_mac(mac_hex: str, key: bytes, lastmodified: str) -> str:
    """§5: the MAC is an ordinary ``str`` value whose AAD is the lastmodified string."""
    return values.encrypt_value(values.Plain("str", mac_hex.encode()), key, lastmodified.encode())


def verify_mac(stored: Any, computed: str, key: bytes, lastmodified: str, source: Path) -> None:
    """Compare the stored MAC with ``computed``; sops exits 51 for all three failures."""
    if not isinstance(stored, str) or not stored:
        raise MacMismatchError(source, f"MAC mismatch: the file has no MAC, computed {computed}")
    try:
        plain = values.decrypt_value(stored, key, lastmodified.encode())
    except (values.MalformedValue, values.AuthenticationFailed) as exc:
        raise MacMismatchError(
            source, "cannot decrypt the MAC (sops.lastmodified or sops.mac was modified)"
        ) from exc
    if plain.data.decode("ascii", "replace").upper() != computed:
        raise MacMismatchError(
            source, "MAC mismatch: the file was modified outside sops/pancert (tampered?)"
        )


def apply_to_containers(leaves: list[Leaf], new_values: list[Any]) -> None:
    """Write decrypted values back into their containers; comment list items are removed."""
    removals: list[tuple[MutableSequence[Any], int]] = []
    for leaf, value in zip(leaves, new_values, strict=True):
        container, slot = leaf.ref
        if isinstance(value, Comment):
            removals.append((container, slot))
        else:
            target: MutableMapping[Any, Any] | MutableSequence[Any] = container
            target[slot] = value
    for container, index in reversed(removals):
        del container[index]
