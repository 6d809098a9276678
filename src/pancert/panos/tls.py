"""How pancert trusts a firewall's management certificate (docs/architecture.md, safety rules).

Three ways, in order of preference: the system trust store (default), a CA bundle
(``paloalto_ca_bundle``), or a pinned SHA-256 fingerprint of the firewall's own certificate
(``paloalto_tls_fingerprint``) for the self-signed certificate every firewall ships with.
``paloalto_tls_insecure`` turns verification off, only when asked, with a warning.

Pinning is enforced inside the TLS handshake: the context's ``sslobject_class`` (asyncio and
anyio streams) and ``sslsocket_class`` (blocking sockets) are subclasses whose
``do_handshake`` compares the SHA-256 of the peer's DER certificate with the pin, in constant
time, and raises :class:`ssl.SSLCertVerificationError` on a mismatch. The check runs before
the first byte of the request is written, so the API key is never sent to an impostor.
Chain and hostname checks are off in that mode because the pin names the exact certificate.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import re
import ssl
from pathlib import Path

_log = logging.getLogger(__name__)
_HEX = re.compile(r"^[0-9a-f]{64}$")


class PinMismatchError(ssl.SSLCertVerificationError):
    """The peer's certificate is not the pinned one."""


def normalize_fingerprint(fingerprint: str) -> str:
    """``AB:CD:…`` or ``abcd…`` (64 hex digits) → lower-case hex without separators."""
    value = fingerprint.strip().lower().replace(":", "").replace(" ", "")
    if value.startswith("sha256"):
        value = value.removeprefix("sha256").lstrip("=/")
    if not _HEX.match(value):
        raise ValueError("a SHA-256 fingerprint has 64 hexadecimal digits (colons allowed)")
    return value


def _check_pin(context: ssl.SSLContext, der: bytes | None) -> None:
    pins: frozenset[str] | None = getattr(context, "pins", None)
    if pins is None:
        return
    seen = hashlib.sha256(der or b"").hexdigest()
    matched = False
    for pin in pins:  # every pin compared, in constant time each
        matched |= hmac.compare_digest(seen, pin)
    if der is None or not matched:
        raise PinMismatchError(
            f"the server's certificate (SHA-256 {seen}) does not match the pinned fingerprint"
        )
    context.seen = seen  # type: ignore[attr-defined]


class _PinnedSSLObject(ssl.SSLObject):
    def do_handshake(self) -> None:
        super().do_handshake()
        _check_pin(self.context, self.getpeercert(binary_form=True))


class _PinnedSSLSocket(ssl.SSLSocket):
    def do_handshake(self, block: bool = False) -> None:
        super().do_handshake(block)
        _check_pin(self.context, self.getpeercert(binary_form=True))


class PinnedContext(ssl.SSLContext):
    """An SSL context that accepts only certificates identified by their SHA-256."""

    pins: frozenset[str]
    seen: str | None = None


def pinned_context(fingerprint: str) -> PinnedContext:
    context = PinnedContext(ssl.PROTOCOL_TLS_CLIENT)
    context.pins = frozenset({normalize_fingerprint(fingerprint)})
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.sslobject_class = _PinnedSSLObject
    context.sslsocket_class = _PinnedSSLSocket
    return context


def pinned_chain_context(pins: frozenset[str], ca_bundle: Path | None) -> PinnedContext:
    """Chain verified against ``ca_bundle`` (else the system store) **and** the leaf one of
    ``pins``; the host name is not checked because the pin names the exact certificate.
    For a management certificate pancert installed itself (see :mod:`pancert.panos.identity`)."""
    context = PinnedContext(ssl.PROTOCOL_TLS_CLIENT)
    context.pins = frozenset(normalize_fingerprint(p) for p in pins)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_REQUIRED
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if ca_bundle is not None:
        context.load_verify_locations(cafile=str(ca_bundle))
    else:
        context.load_default_certs()
    context.sslobject_class = _PinnedSSLObject
    context.sslsocket_class = _PinnedSSLSocket
    return context


@functools.lru_cache(maxsize=64)
def _bundle_context(ca_bundle: str) -> ssl.SSLContext:
    # Firewalls sharing a bundle share its context: loading the bundle per firewall was a
    # visible share of a fleet run, and a context is not changed after it is made.
    return ssl.create_default_context(cafile=ca_bundle)


def build_verify(
    ca_bundle: Path | None, fingerprint: str | None, insecure: bool
) -> ssl.SSLContext | bool:
    """The ``verify=`` value for httpx. A pin wins over a bundle; insecure only when neither
    is given (configuration validation rejects combining them)."""
    if fingerprint:
        return pinned_context(fingerprint)
    if ca_bundle is not None:
        return _bundle_context(str(ca_bundle))
    if insecure:
        _log.warning(
            "TLS verification of the firewall is OFF (paloalto_tls_insecure): anyone on the "
            "path can read the API key; prefer paloalto_ca_bundle or a pinned fingerprint"
        )
        return False
    return ssl.create_default_context()
