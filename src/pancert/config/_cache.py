"""Parsed certificate and firewall profiles, kept between runs in the state folder.

Parsing YAML with ruamel.yaml (pure Python) is most of the CPU of a run that has nothing to
do: a fleet of 1,000 certificates has over 1,200 files. Each file is still read on every run
(that costs little); its parse is taken from ``cache/parsed-profiles.json`` when the SHA-256
of its text matches the entry stored for its path, so any edit is a miss, including one that
keeps the file's size and modification time. Pydantic validation runs on every load, so
every message about a field stays what it would be without the cache.

Secrets never enter the file. A firewall profile's API key (a key holding one of
:data:`SECRET_HINTS`, at the top level, with a one-line or plainly folded value) is stored as
null with its position in the text; a hit takes the value from that position of the very
same text, which gave exactly that value when it was stored (checked then, else the file is
not stored). Not stored at all: a file with a key its model does not know (a misspelt secret
would otherwise be kept), a secret-like key anywhere else, a sops document, a document with
aliases (its shared objects would come back as copies), and any value other than text,
whole numbers, booleans, null, lists and mappings with text keys: those round-trip through
JSON exactly, ruamel's floats, timestamps, tagged and styled scalars would not. The file is
0600 in the state folder, replaced atomically; a missing, unreadable, corrupt or
other-version file is an empty cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Collection
from pathlib import Path
from typing import Any

from ruamel.yaml import __version__ as RUAMEL_VERSION
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from pancert import __version__ as PANCERT_VERSION
from pancert.config.yamlio import Document, parse_document, read_text, register_secret_values
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
"""A key containing one of these (any case) holds a secret: every secret field of pancert's
models does (tests/unit/test_config_cache.py keeps them in step)."""
_MAPS = (dict, CommentedMap)
_LISTS = (list, CommentedSeq)
_LEAVES = (str, int, bool, type(None))


class DocumentCache:
    """Read profiles through the cache at ``state_path / CACHE_FILE``; :meth:`save` after."""

    def __init__(self, state_path: Path) -> None:
        self.file = state_path / CACHE_FILE
        # the run refuses a linked state folder later (pancert.fileio.private_folder); the
        # cache must not write through one first, nor through a linked folder or file of its own
        links = (state_path, self.file.parent, self.file)
        # a first run makes the state folder after loading: the cache makes it (0700) first
        fresh = not state_path.exists()
        self._usable = (fresh or state_path.is_dir()) and not any(p.is_symlink() for p in links)
        self._stored = self._load() if self._usable else {}
        self._used: dict[str, dict[str, Any]] = {}
        self._changed = False

    def _header(self) -> dict[str, Any]:
        return {"format": FORMAT, "pancert": PANCERT_VERSION, "ruamel.yaml": RUAMEL_VERSION}

    def _load(self) -> dict[str, Any]:
        try:
            found = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return {}
        if not isinstance(found, dict) or found.get("header") != self._header():
            return {}
        files = found.get("files")
        return files if isinstance(files, dict) else {}

    def document(
        self, path: Path, *, gnupg_home: Path | None = None, known: Collection[str] = ()
    ) -> Document:
        """What :func:`~pancert.config.yamlio.read_document` returns for ``path``; ``known``:
        the (lower-case) keys its model accepts, the only ones a stored file may have."""
        text = read_text(path)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        key = str(path.absolute())
        entry = self._stored.get(key)
        if isinstance(entry, dict) and entry.get("sha256") == digest and "data" in entry:
            register_secret_values(text)
            found, data = _with_secrets(text, entry["data"], entry.get("secrets"))
            if found:
                self._used[key] = entry
                return Document(data, encrypted=False)
        doc = parse_document(path, text, gnupg_home=gnupg_home)
        stored = None if doc.encrypted else _storable(text, doc.data, known)
        if stored is not None:
            self._used[key] = {"sha256": digest, "data": stored[0], "secrets": stored[1]}
            self._changed = True
        return doc

    def save(self) -> None:
        """Write the entries of this load (files gone since are dropped); never fails: the
        cache only saves time."""
        if not self._usable or not (self._changed or self._used.keys() != self._stored.keys()):
            return
        payload = json.dumps({"header": self._header(), "files": self._used}, separators=(",", ":"))
        with contextlib.suppress(OSError):
            atomic_write(self.file, payload, mode=0o600)


def _with_secrets(text: str, data: Any, secrets: Any) -> tuple[bool, Any]:
    """(True, the stored data with each secret taken back from ``text``), or (False, None)."""
    if not secrets:
        return True, data
    if not isinstance(data, dict) or not isinstance(secrets, dict):
        return False, None
    filled = dict(data)
    for name, where in secrets.items():
        if name not in filled or not isinstance(where, list) or len(where) != 3:
            return False, None
        value = _extract(text, *where)
        if not value:
            return False, None
        filled[name] = value
    return True, filled


def _extract(text: str, line: Any, column: Any, indent: Any) -> str | None:
    """The scalar starting at (``line``, ``column``): the rest of that line and the lines
    indented deeper than ``indent`` that follow, joined by one space as YAML folds a plain
    scalar; a one-line value in quotes without another quote inside loses its quotes."""
    if not all(type(n) is int for n in (line, column, indent)):
        return None
    lines = text.split("\n")
    if not 0 <= line < len(lines):
        return None
    parts = [lines[line][column:].strip()]
    for following in lines[line + 1 :]:
        stripped = following.strip()
        if not stripped or len(following) - len(following.lstrip(" ")) <= indent:
            break
        parts.append(stripped)
    value = " ".join(parts)
    quoted = len(value) > 1 and value[0] in "'\"" and value[-1] == value[0]
    return value[1:-1] if quoted and value[0] not in value[1:-1] else value


def _secret(key: str) -> bool:
    return any(hint in key.lower() for hint in SECRET_HINTS)


def _storable(
    text: str, data: Any, known: Collection[str]
) -> tuple[Any, dict[str, list[int]]] | None:
    """(what to store, where each secret is) for a parsed document, or None."""
    secrets: dict[str, list[int]] = {}
    if isinstance(data, CommentedMap):
        for key, value in data.items():
            if not isinstance(key, str) or key.strip().lower() not in known:
                return None
            if _secret(key):
                if type(value) is not str or not value:
                    return None
                line, column = data.lc.value(key)
                where = [line, column, data.lc.key(key)[1]]
                if _extract(text, *where) != value:
                    return None
                secrets[key] = where
    elif data is not None:
        return None
    stored = dict(data, **dict.fromkeys(secrets)) if secrets else data
    return (stored, secrets) if _plain(stored) else None


def _plain(data: Any) -> bool:
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
                if type(key) is not str or (_secret(key) and child is not None):
                    return False
                pending.append(child)
        elif kind in _LISTS:
            pending.extend(value)
        else:
            return False
    return True
