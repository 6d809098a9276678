"""The one place pancert reads YAML (users' config.yaml, profiles, credentials).

YAML 1.2 through ruamel.yaml's round-trip loader: comments and key order survive so the
encryption helper can rewrite a user's file in place, and the YAML 1.1 surprises are gone
(``NO`` is the string Norway, ``on``/``yes`` are strings). The boolean fields of pancert's models
accept yes/no/on/off themselves (see :func:`pancert.config.fields.parse_bool`), so that leniency
applies to booleans only and never changes how other keys are read.

A document whose top level has a ``sops`` key is decrypted in memory by
:func:`pancert.secrets.decrypt_in_memory`; plaintext never touches the disk.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import YAMLError
from ruamel.yaml.tokens import (
    AliasToken,
    BlockEndToken,
    BlockMappingStartToken,
    BlockSequenceStartToken,
    FlowMappingEndToken,
    FlowMappingStartToken,
    FlowSequenceEndToken,
    FlowSequenceStartToken,
)

from pancert.errors import ConfigError, Problem, SecretsError
from pancert.redaction import register_secret

__all__ = [
    "MAX_BYTES",
    "SECRET_KEYS",
    "Document",
    "describe",
    "load_yaml",
    "parse_document",
    "read_document",
    "read_text",
    "register_secret_values",
]

MAX_BYTES = 1024 * 1024
"""pancert's files are a few kilobytes (a sops-encrypted one a few more); a larger one is a
mistake or an attack, refused before it is parsed."""
MAX_DEPTH = 16
"""Nesting, aliases expanded: pancert's deepest key is 3 levels down."""
MAX_ALIASES = 64
MAX_NODES = 10_000
"""Values once every alias is expanded: an alias bomb (each level repeating the one below)
stays a few lines of text but expands to billions, which every later walk would pay."""
SECRET_KEYS = ("sectigo_cm_user_secret", "sectigo_cm_password", "paloalto_api_key")
"""Every secret field of config files (tests/unit/test_config_support.py keeps this in step
with the models): their values are masked before a file is even parsed."""

_SECRET_LINE = re.compile(
    r"^[ \t-]*[\"']?(?:" + "|".join(SECRET_KEYS) + r")[\"']?[ \t]*:[ \t]*(?P<value>.*?)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_DUPLICATE = re.compile(r'found duplicate key "(?P<key>[^"]*)"')
_QUOTED = re.compile(r"\"[^\"]{4,}\"|'[^']{4,}'")
_OPENS = (
    BlockMappingStartToken,
    BlockSequenceStartToken,
    FlowMappingStartToken,
    FlowSequenceStartToken,
)
_CLOSES = (BlockEndToken, FlowMappingEndToken, FlowSequenceEndToken)


def _fail(path: Path, field: str, message: str, allowed: str | None = None) -> ConfigError:
    return ConfigError([Problem(str(path), field, message, allowed)])


@dataclass(frozen=True)
class Document:
    data: Any
    encrypted: bool
    """True when the file was a sops document (decrypted in memory)."""


_PARSERS = threading.local()


def _parser() -> YAML:
    """This thread's parser. Building a ``YAML`` object looks up its plug-ins on disk, which
    cost as much as parsing a small profile; one object serves every load of the thread
    (ruamel resets its reader and scanner after each ``load`` and ``scan``). After a failure
    it is dropped (see :func:`_parsed`): its constructor may hold half-built state."""
    yaml: YAML | None = getattr(_PARSERS, "yaml", None)
    if yaml is None:
        yaml = YAML(typ="rt")
        yaml.version = (1, 2)
        _PARSERS.yaml = yaml
    return yaml


def _parsed(path: Path, text: str) -> Any:
    """Shape checks, then the parse, on this thread's parser; any failure discards it."""
    yaml = _parser()
    try:
        _check_shape(path, text, yaml)
        return yaml.load(text)
    except BaseException:
        _PARSERS.yaml = None
        raise
    finally:
        # ruamel appends one entry per load or scan and never drops it
        yaml.doc_infos.clear()


def read_text(path: Path) -> str:
    """The text of ``path`` (at most :data:`MAX_BYTES`, UTF-8), or ConfigError naming it."""
    return _decode(path, _read_bytes(path))


def read_document(path: Path, *, gnupg_home: Path | None = None) -> Document:
    """Parse ``path`` and decrypt it when it is a sops document.

    Raises :class:`~pancert.errors.ConfigError` naming the file (and the line, when the parser
    knows it). No message carries a value from the file: the YAML library quotes values in
    some of its errors (a duplicate key shows both), so its text is never passed on as is,
    and every secret field's value is registered for masking before parsing starts.
    """
    return parse_document(path, read_text(path), gnupg_home=gnupg_home)


def parse_document(path: Path, text: str, *, gnupg_home: Path | None = None) -> Document:
    """:func:`read_document` on ``text`` already read from ``path``."""
    register_secret_values(text)
    try:
        data = _parsed(path, text)
    except DuplicateKeyError as exc:
        found = _DUPLICATE.search(str(exc.problem or ""))
        raise _fail(
            path, found.group("key") if found else "", describe(exc), "each key once"
        ) from None
    except YAMLError as exc:
        raise _fail(path, "", f"malformed YAML{describe(exc)}", "YAML 1.2") from None
    except RecursionError:
        raise _fail(path, "", "nested too deeply", f"at most {MAX_DEPTH} levels") from None
    _check_expansion(path, data)
    if isinstance(data, dict) and "sops" in data:
        return Document(_decrypt(data, path, gnupg_home), encrypted=True)
    return Document(data, encrypted=False)


def describe(exc: YAMLError) -> str:
    """The YAML library's error without any value from the file: where, and what kind of
    problem. Its own text shows the offending lines and, for a duplicate key, both values."""
    if isinstance(exc, DuplicateKeyError):
        return f"duplicate key{_where(exc.problem_mark)}, first given{_where(exc.context_mark)}"
    reason = _QUOTED.sub('"…"', str(getattr(exc, "problem", None) or type(exc).__name__))
    return f"{_where(getattr(exc, 'problem_mark', None))}: {reason}"


def _where(mark: Any) -> str:
    if mark is None or getattr(mark, "line", None) is None:
        return ""
    return f" at line {mark.line + 1}, column {mark.column + 1}"


def register_secret_values(text: str) -> None:
    """Mask every secret field's value as written, before the parser may quote it: on the
    key's line, or (a long value) on the more indented lines that follow."""
    for match in _SECRET_LINE.finditer(text):
        value = _scalar(match.group("value"))
        if value and value[0] not in "|>":
            register_secret(value)
            continue
        indent = len(match.group(0)) - len(match.group(0).lstrip(" \t-"))
        following = []
        for line in text[match.end() + 1 :].splitlines():
            if not line.strip() or len(line) - len(line.lstrip()) <= indent:
                break
            following.append(line.strip())
            register_secret(_scalar(line.strip()))
        register_secret(" ".join(following))
        register_secret("\n".join(following))


def _scalar(value: str) -> str:
    """The value of a one-line scalar as written: inside its quotes, before a comment."""
    if value and value[0] in "\"'" and value[0] in value[1:]:
        return value[1 : value.index(value[0], 1)]
    return value.split(" #", 1)[0].strip()


def _read_bytes(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError as exc:
        raise _fail(path, "", "file not found") from exc
    except IsADirectoryError as exc:
        raise _fail(path, "", "is a folder, not a file") from exc
    except OSError as exc:
        raise _fail(path, "", f"cannot read: {exc.strerror or exc}") from exc
    if len(raw) > MAX_BYTES:
        raise _fail(
            path,
            "",
            f"larger than {MAX_BYTES // 1024} KiB; not read",
            f"a configuration file of at most {MAX_BYTES // 1024} KiB",
        )
    return raw


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _fail(
            path,
            "",
            f"not UTF-8: byte 0x{raw[exc.start]:02x} at line {line}, column {column}",
            "UTF-8 text; re-save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)",
        ) from None


def _check_shape(path: Path, text: str, yaml: YAML) -> None:
    """Depth and aliases, read from the token stream (no recursion), before the parser
    builds anything: the composer recurses once per level and cannot be stopped early."""
    tokens = yaml.scan(text)
    try:
        _check_tokens(path, tokens)
    finally:
        # an early stop must reset the shared scanner now, not whenever the generator is freed
        tokens.close()


def _check_tokens(path: Path, tokens: Any) -> None:
    depth = aliases = 0
    for token in tokens:
        if isinstance(token, _OPENS):
            depth += 1
            if depth > MAX_DEPTH:
                line = token.start_mark.line + 1
                raise _fail(
                    path, "", f"nested too deeply at line {line}", f"at most {MAX_DEPTH} levels"
                )
        elif isinstance(token, _CLOSES):
            depth -= 1
        elif isinstance(token, AliasToken):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _fail(
                    path,
                    "",
                    f"more than {MAX_ALIASES} aliases (line {token.start_mark.line + 1})",
                    f"at most {MAX_ALIASES} aliases (*name)",
                )


def _check_expansion(path: Path, data: Any) -> None:
    """Count values with every alias expanded, visiting each shared object once."""
    seen: dict[int, tuple[int, int]] = {}

    def measure(value: Any, depth: int) -> tuple[int, int]:
        """(values, height) of ``value``."""
        if depth > MAX_DEPTH:
            raise _fail(path, "", "nested too deeply (through aliases)", f"at most {MAX_DEPTH}")
        if not isinstance(value, dict | list):
            return 1, 0
        known = seen.get(id(value))
        if known is None:
            children = value.values() if isinstance(value, dict) else value
            sizes = [measure(child, depth + 1) for child in children]
            known = (1 + sum(s for s, _ in sizes), 1 + max((h for _, h in sizes), default=0))
            seen[id(value)] = known
        if depth + known[1] > MAX_DEPTH:
            raise _fail(path, "", "nested too deeply (through aliases)", f"at most {MAX_DEPTH}")
        if known[0] > MAX_NODES:
            raise _fail(
                path,
                "",
                f"expands to more than {MAX_NODES} values through its aliases",
                "aliases that repeat a few values, not a bomb",
            )
        return known

    measure(data, 0)


def _decrypt(data: Any, path: Path, gnupg_home: Path | None) -> Any:
    # Looked up at call time: pancert.secrets is optional for plaintext configurations.
    secrets = importlib.import_module("pancert.secrets")
    decrypt = cast(Callable[..., Any] | None, getattr(secrets, "decrypt_in_memory", None))
    if decrypt is None:
        raise _fail(path, "sops", "encrypted file, but this pancert cannot decrypt sops")
    try:
        return decrypt(data, source=path, gnupg_home=gnupg_home)
    except SecretsError as exc:
        raise _fail(path, "sops", f"cannot decrypt: {exc}") from exc


def load_yaml(path: Path, *, gnupg_home: Path | None = None) -> Any:
    """Return the (decrypted) content of the YAML file at ``path``."""
    return read_document(path, gnupg_home=gnupg_home).data
