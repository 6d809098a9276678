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


def register_secret(value: str | bytes | None) -> None:
    """Remember ``value`` so that :func:`redact` masks it from now on."""
    if value is None:
        return
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    text = text.strip()
    if len(text) < _MIN_LENGTH:
        return
    with _lock:
        _secrets.add(text)


def redact(text: str) -> str:
    """Return ``text`` with every registered secret replaced by ``***``."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def registered_count() -> int:
    with _lock:
        return len(_secrets)
