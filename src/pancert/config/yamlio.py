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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from pancert.errors import ConfigError, Problem, SecretsError

__all__ = ["Document", "load_yaml", "read_document"]


def _fail(path: Path, field: str, message: str, allowed: str | None = None) -> ConfigError:
    return ConfigError([Problem(str(path), field, message, allowed)])


@dataclass(frozen=True)
class Document:
    data: Any
    encrypted: bool
    """True when the file was a sops document (decrypted in memory)."""


def _parser() -> YAML:
    yaml = YAML(typ="rt")
    yaml.version = (1, 2)
    return yaml


def read_document(path: Path, *, gnupg_home: Path | None = None) -> Document:
    """Parse ``path`` and decrypt it when it is a sops document.

    Raises :class:`~pancert.errors.ConfigError` naming the file (and the line, when the parser
    knows it).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise _fail(path, "", "file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(path, "", f"cannot read: {exc}") from exc
    try:
        data = _parser().load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or type(exc).__name__
        raise _fail(path, "", f"malformed YAML{where}: {reason}", "YAML 1.2") from exc
    if isinstance(data, dict) and "sops" in data:
        return Document(_decrypt(data, path, gnupg_home), encrypted=True)
    return Document(data, encrypted=False)


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
