"""sops v3 value encoding: ``ENC[AES256_GCM,...]`` strings and their plaintext types.

Contract (reference sops.md §2, §3): AES-256-GCM with the file's 32-byte data key, a
32-byte random IV, the 16-byte tag stored apart, AAD = the path of mapping keys each followed by
``:``. The plaintext bytes of each type are also the bytes the MAC hashes (§5), so
:func:`encode_plain` is the single place that decides how a value is written.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
import os
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

IV_BYTES = 32
TAG_BYTES = 16
_ENC = re.compile(
    r"ENC\[AES256_GCM,data:(?P<data>[A-Za-z0-9+/=]*),iv:(?P<iv>[A-Za-z0-9+/=]+),"
    r"tag:(?P<tag>[A-Za-z0-9+/=]+),type:(?P<type>[a-z]+)\]"
)
TYPES = frozenset({"str", "int", "float", "bool", "time", "comment", "bytes"})
_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


class MalformedValue(ValueError):
    """The text is not a well-formed ``ENC[...]`` value (or its plaintext is not of its type)."""


class AuthenticationFailed(ValueError):
    """AES-GCM refused the value: wrong key, wrong AAD, or tampered data."""


@dataclass(frozen=True)
class Plain:
    """A decrypted value: its sops type and its plaintext bytes as stored."""

    type: str
    data: bytes


def is_enc(value: object) -> bool:
    return isinstance(value, str) and value.startswith("ENC[")


def aad_for(path: tuple[str, ...]) -> bytes:
    """§2: ``"a:b:"`` for a value at ``a.b``; ``":"`` for a top-level comment."""
    return (":".join(path) + ":").encode()


def decrypt_value(text: str, key: bytes, aad: bytes) -> Plain:
    match = _ENC.fullmatch(text)
    if match is None or match["type"] not in TYPES:
        raise MalformedValue("value does not match sops' ENC[AES256_GCM,...] format")
    try:
        data = base64.b64decode(match["data"], validate=True)
        iv = base64.b64decode(match["iv"], validate=True)
        tag = base64.b64decode(match["tag"], validate=True)
    except binascii.Error as exc:
        raise MalformedValue("ENC[] value has invalid base64") from exc
    if len(tag) != TAG_BYTES or not iv:
        raise MalformedValue("ENC[] value has a wrong tag or IV length")
    try:
        plain = AESGCM(key).decrypt(iv, data + tag, aad)
    except InvalidTag as exc:
        raise AuthenticationFailed("AES-GCM authentication failed") from exc
    return Plain(match["type"], plain)


def encrypt_value(plain: Plain, key: bytes, aad: bytes, iv: bytes | None = None) -> str:
    iv = iv if iv is not None else os.urandom(IV_BYTES)
    sealed = AESGCM(key).encrypt(iv, plain.data, aad)
    data, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
    b64 = base64.b64encode
    return (
        f"ENC[AES256_GCM,data:{b64(data).decode()},iv:{b64(iv).decode()},"
        f"tag:{b64(tag).decode()},type:{plain.type}]"
    )


def go_float(value: float) -> str:
    """Go's ``FormatFloat(f, 'f', -1, 64)``: shortest digits, positional, no ``.0`` (§3)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = format(Decimal(repr(float(value))), "f")
    return text[:-2] if text.endswith(".0") else text


def rfc3339nano(value: dt.datetime | dt.date) -> str:
    """Go's RFC3339Nano: ``Z`` for UTC, offset kept, fraction trimmed of trailing zeros (§3)."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += "." + f"{value.microsecond:06d}".rstrip("0")
    offset = value.utcoffset() or dt.timedelta(0)
    if not offset:
        return text + "Z"
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{text}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def encode_plain(value: Any) -> Plain:
    """A Python leaf as sops writes it: the type tag and plaintext (= MAC) bytes (§3)."""
    if isinstance(value, bool) or type(value).__name__ == "ScalarBoolean":
        return Plain("bool", b"True" if value else b"False")
    if isinstance(value, int):
        return Plain("int", str(int(value)).encode())
    if isinstance(value, float):
        return Plain("float", go_float(value).encode())
    if isinstance(value, dt.date):
        return Plain("time", rfc3339nano(value).encode())
    if isinstance(value, bytes):
        return Plain("str", value)
    if isinstance(value, str):
        return Plain("str", value.encode())
    raise MalformedValue(f"a value of type {type(value).__name__} cannot be encrypted")


def decode_plain(plain: Plain) -> Any:
    """The Python value of a decrypted leaf; ``time`` keeps microseconds only (§3)."""
    text = plain.data.decode("utf-8", "strict") if plain.type != "bytes" else ""
    try:
        if plain.type in ("str", "comment"):
            return text
        if plain.type == "int":
            return int(text)
        if plain.type == "float":
            return float(text)
        if plain.type == "bool":
            if text in _GO_TRUE:
                return True
            if text in _GO_FALSE:
                return False
            raise MalformedValue("invalid bool")
        if plain.type == "time":
            return parse_time(text)
    except ValueError as exc:
        raise MalformedValue(f"plaintext is not a valid {plain.type}") from exc
    return plain.data


def parse_time(text: str) -> dt.datetime:
    """RFC 3339 with up to nanoseconds; digits past microseconds are dropped."""
    match = re.fullmatch(r"(.{19})(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", text.strip())
    if match is None:
        raise ValueError(text)
    fraction = (match[2] or "")[:6].ljust(6, "0")
    zone = "+00:00" if match[3] == "Z" else match[3]
    return dt.datetime.fromisoformat(f"{match[1]}.{fraction}{zone}")


def mac_bytes(plain: Plain) -> bytes:
    """§5: the decrypted value re-encoded canonically (bools and floats normalised)."""
    if plain.type in ("bool", "float", "int"):
        return encode_plain(decode_plain(plain)).data
    return plain.data
