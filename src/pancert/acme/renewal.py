"""When to renew an ACME certificate: ARI (RFC 9773) where the CA offers ``renewalInfo``,
else at two thirds of its lifetime (half under ten days), as certbot does
(certbot ``certbot/_internal/renewal.py``; https://www.eff.org/deeplinks/2025/04/certbot-40-long-live-short-lived-certs).

The ARI answer is cached in the state folder with the point picked inside the suggested window
and the time the CA allows the next request (``Retry-After``), so reruns neither ask again
early nor move the chosen point around.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from pancert.fileio import atomic_write

log = logging.getLogger("pancert.acme")

SHORT_LIFETIME = dt.timedelta(days=10)
DEFAULT_RECHECK = dt.timedelta(hours=6)
MIN_RECHECK = dt.timedelta(minutes=1)
MAX_RECHECK = dt.timedelta(days=1)


@dataclass(frozen=True)
class RenewalHint:
    """When a certificate should be renewed, and why (shown by ``status`` and dry runs)."""

    at: dt.datetime
    reason: str
    source: str
    """``ari`` or ``lifetime``."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def cert_id(cert: x509.Certificate) -> str:
    """RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(DER serial content octets),
    the leading 0x00 of a positive serial with its top bit set kept."""
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier is not None
    serial = cert.serial_number
    octets = serial.to_bytes(math.ceil((serial.bit_length() + 1) / 8), "big", signed=True)
    return f"{_b64(aki.key_identifier)}.{_b64(octets)}"


def lifetime_hint(cert: x509.Certificate) -> RenewalHint:
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    lifetime = end - start
    if lifetime < SHORT_LIFETIME:
        at, share = start + lifetime / 2, "half"
    else:
        at, share = start + lifetime * 2 / 3, "two thirds"
    days = lifetime.total_seconds() / 86400
    return RenewalHint(
        at, f"{share} of its {days:.1f}-day lifetime (no ARI at this CA)", "lifetime"
    )


@dataclass(frozen=True)
class AriWindow:
    start: dt.datetime
    end: dt.datetime
    retry_after: dt.timedelta | None
    explanation: str | None = None


def parse_window(body: bytes, retry_after: str | None) -> AriWindow:
    data = json.loads(body)
    window = data["suggestedWindow"]
    start = dt.datetime.fromisoformat(window["start"].replace("Z", "+00:00"))
    end = dt.datetime.fromisoformat(window["end"].replace("Z", "+00:00"))
    wait = None
    if retry_after and retry_after.strip().isdigit():
        wait = dt.timedelta(seconds=int(retry_after.strip()))
    url = data.get("explanationURL")
    return AriWindow(start, end, wait, str(url) if url else None)


class AriCache:
    """``<state>/acme/ari/<certID>.json``: the window, the chosen point, the next check."""

    def __init__(self, state_path: Path) -> None:
        self.folder = state_path / "acme" / "ari"

    def _path(self, certid: str) -> Path:
        return self.folder / f"{certid}.json"

    def load(self, certid: str) -> dict[str, str] | None:
        path = self._path(certid)
        if not path.is_file():
            return None
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) else None

    def hint_if_fresh(self, certid: str, now: dt.datetime) -> RenewalHint | None:
        data = self.load(certid)
        if data is None or dt.datetime.fromisoformat(data["next_check"]) > now:
            return _hint(data) if data is not None else None
        return None

    def store(
        self, certid: str, window: AriWindow, now: dt.datetime, *, write: bool = True
    ) -> RenewalHint:
        previous = self.load(certid)
        same = previous is not None and (previous["start"], previous["end"]) == (
            window.start.isoformat(),
            window.end.isoformat(),
        )
        if same and previous is not None:
            chosen = dt.datetime.fromisoformat(previous["chosen"])
        elif window.end <= now:
            chosen = window.end  # the window has passed: due at once (any "now" is later)
        else:
            # RFC 9773 §4.2 asks for a uniformly random point; one derived from the certID and
            # the window is as spread over a fleet, and a dry run, status and the real run agree
            seed = hashlib.sha256(f"{certid}|{window.start}|{window.end}".encode()).digest()
            fraction = int.from_bytes(seed[:8], "big") / 2**64
            span = (window.end - window.start).total_seconds()
            chosen = window.start + dt.timedelta(seconds=fraction * span)
        recheck = window.retry_after or DEFAULT_RECHECK
        recheck = min(max(recheck, MIN_RECHECK), MAX_RECHECK)
        data = {
            "start": window.start.isoformat(),
            "end": window.end.isoformat(),
            "chosen": chosen.isoformat(),
            "next_check": (now + recheck).isoformat(),
            "explanation": window.explanation or "",
        }
        if write:
            atomic_write(self._path(certid), json.dumps(data, indent=2).encode(), mode=0o644)
        return _hint(data)


def _hint(data: dict[str, str]) -> RenewalHint:
    start = dt.datetime.fromisoformat(data["start"])
    end = dt.datetime.fromisoformat(data["end"])
    reason = f"ARI suggested window {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"
    if data.get("explanation"):
        reason += f" ({data['explanation']})"
    return RenewalHint(dt.datetime.fromisoformat(data["chosen"]), reason, "ari")
