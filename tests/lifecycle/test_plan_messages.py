"""The planner's decision messages, word for word.

A person reads each of these lines (the console, the log, ``status --json``), so the whole
sentence is the behaviour, not just a key phrase: every expected text below is written out
by hand from the case's dates (NOW is 2026-11-27 12:00 UTC, see builders.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from pancert.lifecycle.journal import Step
from pancert.lifecycle.plan import Action, Decision, Mode, Observed, Reason, Schedule, decide
from pancert.panos.models import KeyAlgorithm

from .builders import NOW, entry, observed, record, rotation, wanted

RENEW = [
    pytest.param(
        observed(missing=True),
        Decision(Action.ROTATE, Reason.MISSING, "no certificate object on the firewall"),
        id="missing",
    ),
    pytest.param(
        observed(have=entry(certificate_pem=None, csr_pem="CSR")),
        Decision(Action.ROTATE, Reason.CSR_ONLY, "web holds only a CSR, never signed"),
        id="csr-only",
    ),
    pytest.param(
        observed(have=entry(revoked=True)),
        Decision(Action.ROTATE, Reason.REVOKED, "web is revoked"),
        id="revoked",
    ),
    pytest.param(
        observed(have=entry(days_left=-1)),
        Decision(Action.ROTATE, Reason.EXPIRED, "web expired 2026-11-26"),
        id="expired",
    ),
    pytest.param(
        observed(have=entry(algorithm=KeyAlgorithm.EC, key_size=384)),
        Decision(Action.ROTATE, Reason.KEY_CHANGED, "key is EC-384, profile wants RSA-2048"),
        id="key",
    ),
    pytest.param(
        observed(have=entry(common_name="old.example.com")),
        Decision(
            Action.ROTATE,
            Reason.CN_CHANGED,
            "CN is old.example.com, profile wants www.example.com",
        ),
        id="cn",
    ),
    pytest.param(
        observed(have=entry(common_name=None)),
        Decision(Action.ROTATE, Reason.CN_CHANGED, "CN is (none), profile wants www.example.com"),
        id="no-cn",
    ),
    pytest.param(
        observed(
            want=wanted(dns_names=("www.example.com", "api.example.com", "b.example.com")),
            have=entry(dns_names=("www.example.com", "evil.example.net", "a.example.net")),
        ),
        Decision(
            Action.ROTATE,
            Reason.SANS_CHANGED,
            "SANs differ: missing api.example.com, b.example.com; "
            "unexpected a.example.net, evil.example.net",
        ),
        id="sans-missing-and-extra",
    ),
    pytest.param(
        observed(want=wanted(force_renewal=True)),
        Decision(Action.ROTATE, Reason.FORCED_BY_PROFILE, "sectigo_force_renewal is true"),
        id="forced-by-profile",
    ),
    pytest.param(
        observed(have=entry(days_left=29)),
        Decision(
            Action.ROTATE,
            Reason.IN_WINDOW,
            "expires 2026-12-26 (29.0 days left, window 30 days)",
        ),
        id="in-window",
    ),
    pytest.param(
        observed(have=entry(days_left=31)),
        Decision(Action.NOTHING, Reason.VALID, "valid until 2026-12-28 (31.0 days left)"),
        id="valid",
    ),
    pytest.param(
        observed(have=entry(days_left=10), want=wanted(auto_renew=False)),
        Decision(
            Action.REPORT,
            Reason.AUTO_RENEW_OFF,
            "expires 2026-12-07 (10.0 days left, window 30 days); not renewed because "
            "sectigo_auto_renew is false (name the profile with -p to renew it)",
        ),
        id="auto-renew-off",
    ),
    # auto-renew off holds for an unusable object too: a person decides
    pytest.param(
        observed(missing=True, want=wanted(auto_renew=False)),
        Decision(
            Action.REPORT,
            Reason.AUTO_RENEW_OFF,
            "no certificate object on the firewall; not renewed because "
            "sectigo_auto_renew is false (name the profile with -p to renew it)",
        ),
        id="auto-renew-off-missing",
    ),
    pytest.param(
        observed(rec=record(rotation=rotation(Step.ISSUED))),
        Decision(Action.RESUME, Reason.IN_FLIGHT, "resuming the rotation at ISSUED"),
        id="in-flight",
    ),
    pytest.param(
        observed(have=entry(days_left=40, lifetime_days=30), want=wanted(window_days=30)),
        Decision(
            Action.FAIL,
            Reason.WINDOW_TOO_LONG,
            "sectigo_expiry_window (30 days) is not shorter than the certificate's lifetime "
            "(30.0 days); it would renew on every run",
        ),
        id="window-too-long",
    ),
]


@pytest.mark.parametrize(("obs", "expected"), RENEW)
def test_each_renew_decision_says_exactly_why(obs: Observed, expected: Decision) -> None:
    assert decide(obs, Mode.RENEW) == expected


def test_force_and_enroll_messages() -> None:
    assert decide(observed(), Mode.RENEW, force=True) == Decision(
        Action.ROTATE, Reason.FORCED_BY_CLI, "--force given"
    )
    assert decide(observed(), Mode.ENROLL) == Decision(
        Action.NOTHING,
        Reason.VALID,
        "a valid certificate is already deployed (use --force to rotate)",
    )


def test_the_cas_schedule_is_named_in_both_answers() -> None:
    due = Observed(
        wanted=wanted(), entry=entry(), record=None, now=NOW, schedule=Schedule(NOW, "ARI")
    )
    assert decide(due, Mode.RENEW).message == "renewal time 2026-11-27 12:00 reached (ARI)"
    later = Schedule(NOW + dt.timedelta(hours=1, minutes=5), "ARI window")
    early = Observed(wanted=wanted(), entry=entry(days_left=1), record=None, now=NOW)
    early = Observed(**{**early.__dict__, "schedule": later})
    assert decide(early, Mode.RENEW).message == (
        "valid until 2026-11-28 (1.0 days left); renew from 2026-11-27 13:05 (ARI window)"
    )


def test_days_are_shown_to_a_tenth() -> None:
    """4,320 s is 0.05 days, shown rounded up to 0.1; one second short is shown as 0.0."""
    obs = observed(have=entry(days_left=4320 / 86400))
    assert decide(obs, Mode.RENEW).message == ("expires 2026-11-27 (0.1 days left, window 30 days)")
    obs = observed(have=entry(days_left=4319 / 86400))
    assert decide(obs, Mode.RENEW).message == ("expires 2026-11-27 (0.0 days left, window 30 days)")


def test_names_compare_without_case() -> None:
    upper = entry(common_name="WWW.EXAMPLE.COM", dns_names=("WWW.EXAMPLE.COM", "API.example.com"))
    assert decide(observed(have=upper), Mode.RENEW).reason is Reason.VALID
    want = wanted(common_name="WWW.Example.COM", dns_names=("www.EXAMPLE.com", "api.example.com"))
    assert decide(observed(want=want), Mode.RENEW).reason is Reason.VALID


def test_without_a_start_date_the_window_still_decides() -> None:
    """An entry whose not-before is unknown cannot be checked for a too-long window; the
    window alone then decides."""
    obs = observed(have=entry(days_left=10, not_before=None))
    assert decide(obs, Mode.RENEW) == Decision(
        Action.ROTATE, Reason.IN_WINDOW, "expires 2026-12-07 (10.0 days left, window 30 days)"
    )
