"""Pure parts of the ACME backend: certID (RFC 9773 vector), the lifetime rule, the planner
with a CA schedule, the credential's validation, and the order book's number mapping."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError

from pancert.acme.orderbook import order_number
from pancert.acme.renewal import AriCache, AriWindow, cert_id, lifetime_hint
from pancert.config.acme import AcmeCredential
from pancert.lifecycle.plan import Action, Mode, Reason, Schedule, decide
from tests.lifecycle.builders import NOW, entry, observed

KEY = ec.generate_private_key(ec.SECP256R1())


def certificate(serial: int, aki: bytes, days: float, start: dt.datetime = NOW) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.example.com")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(KEY.public_key())
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(
            x509.AuthorityKeyIdentifier(aki, None, None),
            critical=False,
        )
        .sign(KEY, hashes.SHA256())
    )


def test_cert_id_matches_the_rfc_9773_example() -> None:
    # RFC 9773 §4.1: keyIdentifier 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4,
    # serial 0x87654321 (DER 00 87 65 43 21: the leading zero is kept)
    aki = bytes.fromhex("69885B6B87464041E1B37B847BA0AE2CDE01C8D4")
    assert cert_id(certificate(0x87654321, aki, 90)) == "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"


@pytest.mark.parametrize(
    ("days", "share", "expected_days"),
    [(90, "two thirds", 60), (45, "two thirds", 30), (6, "half", 3), (9.9, "half", 4.95)],
)
def test_lifetime_rule(days: float, share: str, expected_days: float) -> None:
    hint = lifetime_hint(certificate(5, b"k" * 20, days))
    assert hint.at == NOW + dt.timedelta(days=expected_days)
    assert hint.reason.startswith(share)
    assert hint.source == "lifetime"


def test_ari_point_stays_inside_the_window_and_waits_for_retry_after(tmp_path: Path) -> None:
    cache = AriCache(tmp_path)
    window = AriWindow(
        NOW + dt.timedelta(days=3), NOW + dt.timedelta(days=4), dt.timedelta(hours=2)
    )
    hint = cache.store("id.1", window, NOW)
    assert window.start <= hint.at <= window.end
    assert cache.hint_if_fresh("id.1", NOW + dt.timedelta(hours=1)) == hint
    assert cache.hint_if_fresh("id.1", NOW + dt.timedelta(hours=3)) is None
    late = AriWindow(NOW - dt.timedelta(days=2), NOW - dt.timedelta(days=1), None)
    assert cache.store("id.2", late, NOW).at == late.end  # the window has passed: due now


def test_a_schedule_replaces_the_profile_window() -> None:
    # inside the 30-day window, but the CA says later: nothing to do, and why is shown
    later = Schedule(NOW + dt.timedelta(days=5), "ARI suggested window")
    decision = decide(replace(observed(have=entry(days_left=20)), schedule=later), Mode.RENEW)
    assert decision.action is Action.NOTHING
    assert "renew from" in decision.message
    assert "ARI suggested window" in decision.message
    # far from the window, but the CA's time has come
    due = Schedule(NOW - dt.timedelta(minutes=1), "two thirds of its 6.0-day lifetime")
    decision = decide(replace(observed(have=entry(days_left=100)), schedule=due), Mode.RENEW)
    assert decision.action is Action.ROTATE
    assert decision.reason is Reason.RENEWAL_TIME
    assert "two thirds" in decision.message


def test_a_schedule_lifts_the_window_too_long_check() -> None:
    short = observed(have=entry(days_left=4, lifetime_days=6))
    assert decide(short, Mode.RENEW).reason is Reason.WINDOW_TOO_LONG
    scheduled = replace(short, schedule=Schedule(NOW + dt.timedelta(days=1), "half"))
    assert decide(scheduled, Mode.RENEW).action is Action.NOTHING


def _credential(tmp_path: Path, **fields: Any) -> AcmeCredential:
    data = {"kind": "acme", "acme_directory_url": "https://acme.sectigo.com/v2/DV"}
    data.update(fields)
    return AcmeCredential.model_validate(
        {**data, "label": "SECTIGO", "source": tmp_path / "c.yaml"}, context={"base": tmp_path}
    )


def test_credential_rules(tmp_path: Path) -> None:
    ok = _credential(tmp_path, acme_eab_kid="kid", acme_eab_hmac_key="c2VjcmV0LWhtYWMta2V5")
    assert ok.challenge == "none"
    with pytest.raises(ValidationError, match="go together"):
        _credential(tmp_path, acme_eab_kid="kid")
    with pytest.raises(ValidationError, match="https"):
        _credential(tmp_path, acme_directory_url="http://acme.example/dir")
    with pytest.raises(ValidationError, match="acme_dns_hook"):
        _credential(tmp_path, acme_challenge="dns-01-hook")
    with pytest.raises(ValidationError, match="needs acme_rfc2136_server"):
        _credential(tmp_path, acme_challenge="dns-01-rfc2136", acme_rfc2136_server="ns1:53")
    with pytest.raises(ValidationError, match="not base64url"):
        _credential(tmp_path, acme_eab_kid="kid", acme_eab_hmac_key="not base64 at all!")


def test_order_numbers_are_stable_and_distinct() -> None:
    first = order_number("https://acme.example/order/1")
    assert first == order_number("https://acme.example/order/1")
    assert first != order_number("https://acme.example/order/2")
    assert 0 < first < 2**48
