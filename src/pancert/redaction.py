"""The process-wide registry of secret values that must never be shown.

Configured secrets (client secrets, API keys, passwords) are registered when configuration is
loaded; secrets born at run time (bearer tokens, keys from keygen, sops data keys, passphrases)
are registered by whoever receives them, before they can reach a log line or an exception.
The log filter and the CLI's error printer both pass text through :func:`redact`.
"""

from __future__ import annotations

import threading

MASK = "***"
# Short values would mask innocent text (e.g. a secret "1" in every number); such secrets are
# rejected by validation instead, so nothing shorter than this is ever registered.
_MIN_LENGTH = 4

_lock = threading.Lock()
_secrets: set[str] = set()
_starts: set[str] = set()
"""The first :data:`_MIN_LENGTH` characters of every secret."""
_ordered: list[list[str]] = []
"""Empty, or the secrets longest first (a secret inside a longer one is masked with it)."""


def register_secret(value: str | bytes | None) -> None:
    """Remember ``value`` so that :func:`redact` masks it from now on."""
    if value is None:
        return
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    text = text.strip()
    if len(text) < _MIN_LENGTH:
        return
    with _lock:
        if text not in _secrets:
            _secrets.add(text)
            _starts.add(text[:_MIN_LENGTH])
            _ordered.clear()


def redact(text: str) -> str:
    """Return ``text`` with every registered secret replaced by ``***``."""
    with _lock:
        if not _ordered:
            _ordered.append(sorted(_secrets, key=len, reverse=True))
        secrets = _ordered[0]
    if not may_hold_secret(text):
        return text
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def may_hold_secret(text: str) -> bool:
    """Whether the first characters of a registered secret occur in ``text``.

    A run registers a key per firewall and redacts every line it prints or logs: testing
    each secret against each line grows with certificates times firewalls. A line in which no
    secret's first characters occur cannot hold a secret, and it is checked in one pass."""
    return any(text[i : i + _MIN_LENGTH] in _starts for i in range(len(text) - _MIN_LENGTH + 1))


def registered_count() -> int:
    with _lock:
        return len(_secrets)
