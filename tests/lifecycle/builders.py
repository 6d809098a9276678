"""Object builders with keyword overrides (no hand-built fixtures in the table tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from pancert.lifecycle.journal import PairRecord, Rotation, Step
from pancert.lifecycle.plan import Observed, Wanted
from pancert.panos.models import SHARED, CertificateEntry, KeyAlgorithm

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


def wanted(**overrides: Any) -> Wanted:
    base = Wanted(
        profile="web",
        common_name="www.example.com",
        dns_names=("www.example.com", "api.example.com"),
        key_type=KeyAlgorithm.RSA,
        key_size=2048,
        window_days=30,
        force_renewal=False,
        auto_renew=True,
        content_hash="hash-1",
    )
    return replace(base, **overrides)


def entry(
    *, days_left: float = 120, lifetime_days: float = 199, **overrides: Any
) -> CertificateEntry:
    not_after = NOW + dt.timedelta(days=days_left)
    base = CertificateEntry(
        name="web",
        location=SHARED,
        has_private_key=True,
        certificate_pem="-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n",
        common_name="www.example.com",
        not_before=not_after - dt.timedelta(days=lifetime_days),
        not_after=not_after,
        algorithm=KeyAlgorithm.RSA,
        key_size=2048,
        dns_names=("www.example.com", "api.example.com"),
    )
    return replace(base, **overrides)


def record(**overrides: Any) -> PairRecord:
    data: dict[str, Any] = {"profile": "web", "firewall": "fw_a", "current_object": "web"}
    data.update(overrides)
    return PairRecord(**data)


def rotation(step: Step = Step.ORDERED, **overrides: Any) -> Rotation:
    data: dict[str, Any] = {
        "step": step,
        "object_name": "web-abcdefgh",
        "request_id": "0" * 32,
        "reason": "in-window",
        "started_at": NOW,
        "profile_hash": "hash-1",
    }
    data.update(overrides)
    return Rotation(**data)


def observed(
    *,
    want: Wanted | None = None,
    have: CertificateEntry | None = None,
    missing: bool = False,
    rec: PairRecord | None = None,
    now: dt.datetime = NOW,
) -> Observed:
    return Observed(
        wanted=want or wanted(),
        entry=None if missing else (have or entry()),
        record=rec,
        now=now,
    )
