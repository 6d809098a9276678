"""The decision table: one case per reason, asserting action, reason and message."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pancert.lifecycle.journal import Step
from pancert.lifecycle.plan import (
    Action,
    Mode,
    Observed,
    Reason,
    Schedule,
    Trigger,
    decide,
    sans_difference,
)
from pancert.panos.models import KeyAlgorithm

from .builders import NOW, entry, observed, record, rotation, wanted

RENEW_CASES = [
    pytest.param(
        observed(missing=True), Action.ROTATE, Reason.MISSING, "no certificate", id="missing"
    ),
    pytest.param(
        observed(have=entry(certificate_pem=None, csr_pem="CSR")),
        Action.ROTATE,
        Reason.CSR_ONLY,
        "only a CSR",
        id="csr-only",
    ),
    pytest.param(
        observed(have=entry(revoked=True)), Action.ROTATE, Reason.REVOKED, "revoked", id="revoked"
    ),
    pytest.param(
        observed(have=entry(days_left=-1)), Action.ROTATE, Reason.EXPIRED, "expired", id="expired"
    ),
    pytest.param(
        observed(have=entry(days_left=0)),
        Action.ROTATE,
        Reason.EXPIRED,
        "expired",
        id="expires-this-instant",
    ),
    pytest.param(
        observed(have=entry(algorithm=KeyAlgorithm.EC, key_size=256)),
        Action.ROTATE,
        Reason.KEY_CHANGED,
        "EC-256, profile wants RSA-2048",
        id="key-type",
    ),
    pytest.param(
        observed(have=entry(key_size=4096)),
        Action.ROTATE,
        Reason.KEY_CHANGED,
        "RSA-4096",
        id="key-size",
    ),
    pytest.param(
        observed(have=entry(common_name="old.example.com")),
        Action.ROTATE,
        Reason.CN_CHANGED,
        "old.example.com",
        id="cn",
    ),
    pytest.param(
        observed(have=entry(dns_names=("www.example.com",))),
        Action.ROTATE,
        Reason.SANS_CHANGED,
        "missing api.example.com",
        id="san-missing",
    ),
    pytest.param(
        observed(have=entry(dns_names=("www.example.com", "api.example.com", "evil.example.net"))),
        Action.ROTATE,
        Reason.SANS_CHANGED,
        "unexpected evil.example.net",
        id="san-extra",
    ),
    pytest.param(
        observed(have=entry(dns_names=("www.example.com", "api.example.com", "example.com"))),
        Action.NOTHING,
        Reason.VALID,
        "valid until",
        id="apex-twin-is-not-a-change",
    ),
    pytest.param(
        observed(
            want=wanted(common_name="example.com", dns_names=("example.com",)),
            have=entry(common_name="example.com", dns_names=("example.com", "www.example.com")),
        ),
        Action.NOTHING,
        Reason.VALID,
        "valid until",
        id="www-twin-is-not-a-change",
    ),
    pytest.param(
        observed(want=wanted(force_renewal=True)),
        Action.ROTATE,
        Reason.FORCED_BY_PROFILE,
        "sectigo_force_renewal",
        id="forced-first-time",
    ),
    pytest.param(
        observed(want=wanted(force_renewal=True), rec=record(forced_hash="hash-1")),
        Action.NOTHING,
        Reason.VALID,
        "valid until",
        id="forced-already-for-this-content",
    ),
    pytest.param(
        observed(
            want=wanted(force_renewal=True, content_hash="hash-2"), rec=record(forced_hash="hash-1")
        ),
        Action.ROTATE,
        Reason.FORCED_BY_PROFILE,
        "sectigo_force_renewal",
        id="forced-again-after-edit",
    ),
    pytest.param(
        observed(have=entry(days_left=29)),
        Action.ROTATE,
        Reason.IN_WINDOW,
        "29.0 days left",
        id="in-window",
    ),
    # The edge itself is inside the window: "renew when 30 days or fewer are left" must act
    # on a certificate with exactly 30 days left, not a run later.
    pytest.param(
        observed(have=entry(days_left=30), want=wanted(window_days=30)),
        Action.ROTATE,
        Reason.IN_WINDOW,
        "30.0 days left",
        id="exactly-at-window-edge",
    ),
    pytest.param(
        observed(have=entry(days_left=31)),
        Action.NOTHING,
        Reason.VALID,
        "31.0 days left",
        id="outside-window",
    ),
    pytest.param(
        observed(have=entry(days_left=10), want=wanted(auto_renew=False)),
        Action.REPORT,
        Reason.AUTO_RENEW_OFF,
        "sectigo_auto_renew is false",
        id="auto-renew-off",
    ),
    pytest.param(
        observed(rec=record(rotation=rotation(Step.ORDERED))),
        Action.RESUME,
        Reason.IN_FLIGHT,
        "ORDERED",
        id="in-flight",
    ),
    pytest.param(
        observed(rec=record(rotation=rotation(Step.DEPLOYED))),
        Action.NOTHING,
        Reason.VALID,
        "valid until",
        id="deployed-rotation-is-not-in-flight",
    ),
    pytest.param(
        observed(have=entry(days_left=40, lifetime_days=30), want=wanted(window_days=30)),
        Action.FAIL,
        Reason.WINDOW_TOO_LONG,
        "would renew on every run",
        id="window-too-long",
    ),
]


@pytest.mark.parametrize(("obs", "action", "reason", "message"), RENEW_CASES)
def test_renew_decisions(obs: Observed, action: Action, reason: Reason, message: str) -> None:
    decision = decide(obs, Mode.RENEW)
    assert (decision.action, decision.reason) == (action, reason)
    assert message in decision.message


@pytest.mark.parametrize(
    ("obs", "action", "reason"),
    [
        pytest.param(observed(missing=True), Action.ROTATE, Reason.MISSING, id="missing"),
        pytest.param(
            observed(have=entry(days_left=-3)), Action.ROTATE, Reason.EXPIRED, id="expired"
        ),
        pytest.param(
            observed(have=entry(revoked=True)), Action.ROTATE, Reason.REVOKED, id="revoked"
        ),
        pytest.param(
            observed(have=entry(certificate_pem=None, csr_pem="C")),
            Action.ROTATE,
            Reason.CSR_ONLY,
            id="csr-left-over",
        ),
        pytest.param(
            observed(have=entry(days_left=5)),
            Action.NOTHING,
            Reason.VALID,
            id="valid-even-in-window",
        ),
        pytest.param(
            observed(have=entry(key_size=4096)),
            Action.NOTHING,
            Reason.VALID,
            id="valid-even-if-key-differs",
        ),
    ],
)
def test_enroll_acts_only_when_no_valid_object(
    obs: Observed, action: Action, reason: Reason
) -> None:
    decision = decide(obs, Mode.ENROLL)
    assert (decision.action, decision.reason) == (action, reason)


def test_force_rotates_a_valid_certificate_in_both_modes() -> None:
    for mode in Mode:
        decision = decide(observed(), mode, force=True)
        assert (decision.action, decision.reason) == (Action.ROTATE, Reason.FORCED_BY_CLI)


def test_naming_a_profile_overrides_auto_renew_off() -> None:
    obs = observed(have=entry(days_left=10), want=wanted(auto_renew=False))
    assert decide(obs, Mode.RENEW, named=True).reason is Reason.IN_WINDOW


def test_unusable_beats_mismatch_and_forcing() -> None:
    obs = observed(have=entry(days_left=-1, key_size=4096), want=wanted(force_renewal=True))
    assert decide(obs, Mode.RENEW).reason is Reason.EXPIRED


def test_sans_difference_allows_only_twins() -> None:
    assert sans_difference(("a.example.com",), ("a.example.com", "www.a.example.com")) == (
        set(),
        set(),
    )
    assert sans_difference(("a.example.com",), ("www.b.example.com",)) == (
        {"a.example.com"},
        {"www.b.example.com"},
    )


def test_the_words_written_to_journals_and_status_json_do_not_change() -> None:
    """A rotation's reason is stored in the journal (``rotation.reason``) and shown by
    ``status --json``; mode and action name what a run does in its report. Records written
    by an earlier version must read the same, and scripts parsing the JSON must keep working,
    so the values are pinned here, spelled out."""
    assert {m.name: m.value for m in Mode} == {"ENROLL": "enroll", "RENEW": "renew"}
    assert {m.name: m.value for m in Reason} == {
        "MISSING": "missing",
        "CSR_ONLY": "csr-only",
        "REVOKED": "revoked",
        "EXPIRED": "expired",
        "KEY_CHANGED": "key-changed",
        "CN_CHANGED": "cn-changed",
        "SANS_CHANGED": "sans-changed",
        "FORCED_BY_PROFILE": "forced-by-profile",
        "FORCED_BY_CLI": "forced-by-cli",
        "IN_WINDOW": "in-window",
        "RENEWAL_TIME": "renewal-time",
        "IN_FLIGHT": "in-flight",
        "VALID": "valid",
        "AUTO_RENEW_OFF": "auto-renew-off",
        "WINDOW_TOO_LONG": "window-too-long",
    }
    assert {m.name: m.value for m in Action} == {
        "NOTHING": "nothing",
        "ROTATE": "rotate",
        "RESUME": "resume",
        "REPORT": "report",
        "FAIL": "fail",
    }


def test_the_planners_values_are_immutable_and_no_schedule_means_the_window() -> None:
    """The planner is pure: what it reads and returns cannot be changed behind its back."""
    obs = Observed(wanted=wanted(), entry=entry(days_left=10), record=None, now=NOW)
    assert obs.schedule is None
    decision = decide(obs, Mode.RENEW)
    assert decision.reason is Reason.IN_WINDOW
    values: list[object] = [obs, decision, Schedule(at=NOW, reason="ARI")]
    values.append(Trigger(Reason.VALID, "valid"))
    for value in values:
        with pytest.raises(dataclasses.FrozenInstanceError):
            value.message = "changed"  # type: ignore[attr-defined]


def test_the_cas_renewal_time_is_due_at_its_exact_instant() -> None:
    """ACME renewal information (RFC 9773) gives a time: at that instant the renewal is due,
    whatever the profile's window says; a second before, it is not."""
    at = NOW
    due = Observed(
        wanted=wanted(), entry=entry(), record=None, now=NOW, schedule=Schedule(at, "ARI")
    )
    decision = decide(due, Mode.RENEW)
    assert (decision.action, decision.reason) == (Action.ROTATE, Reason.RENEWAL_TIME)
    assert "ARI" in decision.message
    early = Observed(
        wanted=wanted(),
        entry=entry(days_left=1),
        record=None,
        now=NOW,
        schedule=Schedule(at + dt.timedelta(seconds=1), "ARI"),
    )
    assert decide(early, Mode.RENEW).reason is Reason.VALID
