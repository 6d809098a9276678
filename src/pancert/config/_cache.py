"""Parsed certificate and firewall profiles, kept between runs in the state folder.

Parsing YAML with ruamel.yaml (pure Python) is most of the CPU of a run that has nothing to
do: a fleet of 1,000 certificates has over 1,200 files. Each file is still read on every run
(that costs little); its parse is taken from ``cache/parsed-profiles.json`` when the SHA-256
of its text matches the entry stored for its path, so any edit is a miss, including one that
keeps the file's size and modification time. Pydantic validation runs on every load, so
every message about a field stays what it would be without the cache.

Never stored: a file whose text mentions a secret-like key (see :data:`SECRET_HINTS`) or
whose data has one, a sops document, a document with aliases (its shared objects would come
back as copies), and any value other than text, whole numbers, booleans, null, lists and
mappings with text keys: those round-trip through JSON exactly, ruamel's floats,
timestamps, tagged and styled scalars would not. The file is 0600 in the state folder,
replaced atomically; a missing, unreadable, corrupt or other-version file is an empty cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

from ruamel.yaml import __version__ as RUAMEL_VERSION
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from pancert import __version__ as PANCERT_VERSION
from pancert.config.yamlio import Document, parse_document, read_text
from pancert.fileio import atomic_write

__all__ = ["CACHE_FILE", "SECRET_HINTS", "DocumentCache"]

CACHE_FILE = Path("cache") / "parsed-profiles.json"
"""Below the state folder."""
FORMAT = 1
SECRET_HINTS = (
    "secret",
    "password",
    "passwd",
    "api_key",
    "apikey",
    "token",
    "hmac",
    "private",
    "webhook",
)
"""A file whose text (keys, values or comments, any case) contains one of these is parsed on
every run and never stored: every secret field of pancert's models contains one
(tests/unit/test_config_cache.py keeps them in step), and so does a misspelling of most."""
_MAPS = (dict, CommentedMap)
_LISTS = (list, CommentedSeq)
_LEAVES = (str, int, bool, type(None))


class DocumentCache:
    """Read profiles through the cache at ``state_path / CACHE_FILE``; :meth:`save` after."""

    def __init__(self, state_path: Path) -> None:
        self.file = state_path / CACHE_FILE
        self._writable = state_path.is_dir()
        self._stored = self._load()
        self._used: dict[str, dict[str, Any]] = {}
        self._changed = False

    def _header(self) -> dict[str, Any]:
        return {"format": FORMAT, "pancert": PANCERT_VERSION, "ruamel.yaml": RUAMEL_VERSION}

    def _load(self) -> dict[str, Any]:
        try:
            if self.file.is_symlink():
                return {}
            found = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return {}
        if not isinstance(found, dict) or found.get("header") != self._header():
            return {}
        files = found.get("files")
        return files if isinstance(files, dict) else {}

    def document(self, path: Path, *, gnupg_home: Path | None = None) -> Document:
        """What :func:`~pancert.config.yamlio.read_document` returns for ``path``."""
        text = read_text(path)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        key = str(path.absolute())
        entry = self._stored.get(key)
        if isinstance(entry, dict) and entry.get("sha256") == digest and "data" in entry:
            self._used[key] = entry
            return Document(entry["data"], encrypted=False)
        doc = parse_document(path, text, gnupg_home=gnupg_home)
        if not doc.encrypted and _storable(text, doc.data):
            self._used[key] = {"sha256": digest, "data": doc.data}
            self._changed = True
        return doc

    def save(self) -> None:
        """Write the entries of this load (files gone since are dropped); never fails: the
        cache only saves time."""
        if not self._writable or not (self._changed or self._used.keys() != self._stored.keys()):
            return
        payload = json.dumps({"header": self._header(), "files": self._used}, separators=(",", ":"))
        with contextlib.suppress(OSError):
            atomic_write(self.file, payload, mode=0o600)


def _storable(text: str, data: Any) -> bool:
    lowered = text.lower()
    if any(hint in lowered for hint in SECRET_HINTS):
        return False
    seen: set[int] = set()
    pending = [data]
    while pending:
        value = pending.pop()
        kind = type(value)
        if kind in _LEAVES:
            continue
        if id(value) in seen:
            return False
        seen.add(id(value))
        if kind in _MAPS:
            if getattr(value, "merge", None):
                return False
            for key, child in value.items():
                if type(key) is not str or any(hint in key.lower() for hint in SECRET_HINTS):
                    return False
                pending.append(child)
        elif kind in _LISTS:
            pending.extend(value)
        else:
            return False
    return True
