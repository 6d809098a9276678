"""The firewall's TLS identity when pancert itself changes it.

Binding a new certificate to the management interface (``paloalto_allow_management``)
changes the certificate of the very web server pancert talks to, from the commit on: the
management web UI and the XML API are one server (Palo Alto, "Replace the Certificate for
Inbound Management Traffic"), which restarts its TLS side — a connection may drop while the
commit job is polled — and then presents the new certificate, which may name other hosts
than the URL pancert uses or not match a pinned fingerprint.

:class:`TlsIdentity` holds what may be trusted besides the configured verification: the
SHA-256 of a leaf pancert is about to install (:meth:`expect`) and the ones earlier runs
adopted (``learned``, kept by :class:`PinStore`). When the configured verification fails, the
client retries with :func:`pancert.panos.tls.pinned_chain_context`: the chain must still verify
against the configured CA (``paloalto_ca_bundle``, else the system store) **and** the leaf
must be one of those fingerprints. Nothing else is ever accepted, and TLS verification is
never turned off.
"""

from __future__ import annotations

import hashlib
import json
import ssl
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pancert.fileio import atomic_write
from pancert.panos.tls import pinned_chain_context


def leaf_fingerprint(chain_pem: str | bytes | Iterable[str]) -> str:
    """SHA-256 (hex) of the first certificate of a PEM chain."""
    if isinstance(chain_pem, str | bytes):
        data = chain_pem.encode() if isinstance(chain_pem, str) else chain_pem
    else:
        data = "".join(chain_pem).encode()
    leaf = x509.load_pem_x509_certificates(data)[0]
    return hashlib.sha256(leaf.public_bytes(serialization.Encoding.DER)).hexdigest()


def _verification_failure(exc: BaseException) -> bool:
    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, ssl.SSLCertVerificationError):
            return True
        current = current.__cause__ or current.__context__
    return False


class TlsIdentity:
    """Fingerprints the client may adopt when the configured verification fails."""

    def __init__(self, ca_bundle: Path | None = None, learned: Iterable[str] = ()) -> None:
        self.ca_bundle = ca_bundle
        self.pins: set[str] = set(learned)
        self.expected: str | None = None
        self.adopted: str | None = None

    def expect(self, chain_pem: str | bytes | Iterable[str]) -> str:
        """The management interface is about to present this chain's leaf."""
        self.expected = leaf_fingerprint(chain_pem)
        self.pins.add(self.expected)
        return self.expected

    @property
    def rotating(self) -> bool:
        """A management certificate change is in flight (connections may drop)."""
        return self.expected is not None and self.adopted != self.expected

    def can_adopt(self, exc: BaseException) -> bool:
        return bool(self.pins) and self.adopted is None and _verification_failure(exc)

    def context(self) -> ssl.SSLContext:
        return pinned_chain_context(frozenset(self.pins), self.ca_bundle)

    def adopt(self, context: ssl.SSLContext) -> None:
        """After a handshake through :meth:`context`: the fingerprint the server showed."""
        self.adopted = getattr(context, "seen", None) or self.expected


class PinStore:
    """Fingerprints earlier runs adopted, per firewall profile, in ``<state>/tls-pins.json``
    (written atomically; a fingerprint is public, not a secret)."""

    def __init__(self, state_path: Path) -> None:
        self.path = state_path / "tls-pins.json"

    def load(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): [str(p) for p in v] for k, v in data.items() if isinstance(v, list)}

    def learned(self, firewall: str) -> list[str]:
        return self.load().get(firewall, [])

    def remember(self, firewall: str, fingerprint: str, keep: int = 3) -> None:
        """``fingerprint`` is (about to be) the firewall's management certificate: written
        before the commit that installs it, so a run killed after that commit still trusts
        the firewall next time. The last ``keep`` are kept (each is only ever accepted with
        a chain from the configured CA)."""
        data = self.load()
        pins = [p for p in data.get(firewall, []) if p != fingerprint] + [fingerprint]
        if data.get(firewall) == pins[-keep:]:
            return
        data[firewall] = pins[-keep:]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")
