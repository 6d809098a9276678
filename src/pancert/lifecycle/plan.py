"""Pure decisions: (what the profile wants, what the firewall and journal hold, now) → action.

No I/O, no clock of its own. The renewal policy is an ordered chain of small checks, each
returning a :class:`Trigger` or ``None`` (cert-manager's trigger policy chain); the first hit
wins, so the order below is part of the contract and is asserted by the table tests:
state that makes a certificate unusable comes first (missing, CSR-only, revoked, expired),
then mismatches with the profile (key, CN, SANs), then explicit forcing, then the window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from pancert.config.resolved import Wanted
from pancert.lifecycle.journal import PairRecord
from pancert.panos.models import CertificateEntry

__all__ = ["Action", "Decision", "Mode", "Observed", "Reason", "Wanted", "decide"]


class Mode(StrEnum):
    ENROLL = "enroll"
    RENEW = "renew"


class Reason(StrEnum):
    MISSING = "missing"
    """No certificate object for the profile on the firewall."""
    CSR_ONLY = "csr-only"
    """Only a pending CSR entry is left over (never signed)."""
    REVOKED = "revoked"
    EXPIRED = "expired"
    KEY_CHANGED = "key-changed"
    """Key algorithm or size differ from the profile."""
    CN_CHANGED = "cn-changed"
    SANS_CHANGED = "sans-changed"
    """A profile name is missing from the certificate, or it carries a name that is neither
    a profile name nor its ``www.``/apex twin."""
    FORCED_BY_PROFILE = "forced-by-profile"
    """``sectigo_force_renewal: true`` for profile content not yet force-rotated."""
    FORCED_BY_CLI = "forced-by-cli"
    IN_WINDOW = "in-window"
    """Expires within ``sectigo_expiry_window`` days."""
    RENEWAL_TIME = "renewal-time"
    """The CA's renewal time has come: its ARI window (RFC 9773), or a share of the lifetime
    (ACME CAs without ARI); replaces the profile's window."""
    IN_FLIGHT = "in-flight"
    """A rotation started by an earlier run is unfinished: resume it."""
    VALID = "valid"
    AUTO_RENEW_OFF = "auto-renew-off"
    WINDOW_TOO_LONG = "window-too-long"


class Action(StrEnum):
    NOTHING = "nothing"
    ROTATE = "rotate"
    RESUME = "resume"
    REPORT = "report"
    """Due, but policy says a person decides (auto-renew off): reported, not renewed."""
    FAIL = "fail"
    """The profile itself is wrong for what the firewall holds."""


@dataclass(frozen=True)
class Schedule:
    """When the CA says the current certificate should be renewed, and why."""

    at: dt.datetime
    reason: str


@dataclass(frozen=True)
class Observed:
    wanted: Wanted
    entry: CertificateEntry | None
    """The object currently serving the profile (journal's current object, else the one
    named like the profile)."""
    record: PairRecord | None
    now: dt.datetime
    schedule: Schedule | None = None
    """The CA's renewal time for ``entry`` (ACME); None: the profile's window decides."""


@dataclass(frozen=True)
class Trigger:
    reason: Reason
    message: str


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: Reason
    message: str


def twin(name: str) -> str:
    """The ``www.``/apex counterpart a CA may add to a single name."""
    return name[4:] if name.startswith("www.") else f"www.{name}"


def sans_difference(wanted: tuple[str, ...], issued: tuple[str, ...]) -> tuple[set[str], set[str]]:
    """(profile names missing from the certificate, names it carries that it should not)."""
    want = {n.lower() for n in wanted}
    have = {n.lower() for n in issued}
    allowed_extra = {twin(n) for n in want}
    return want - have, have - want - allowed_extra


def _days(delta: dt.timedelta) -> str:
    return f"{delta.total_seconds() / 86400:.1f} days"


def _missing(o: Observed) -> Trigger | None:
    if o.entry is None:
        return Trigger(Reason.MISSING, "no certificate object on the firewall")
    return None


def _csr_only(o: Observed) -> Trigger | None:
    if o.entry is not None and o.entry.certificate_pem is None:
        return Trigger(Reason.CSR_ONLY, f"{o.entry.name} holds only a CSR, never signed")
    return None


def _revoked(o: Observed) -> Trigger | None:
    if o.entry is not None and o.entry.revoked:
        return Trigger(Reason.REVOKED, f"{o.entry.name} is revoked")
    return None


def _expired(o: Observed) -> Trigger | None:
    if o.entry is not None and o.entry.not_after is not None and o.entry.not_after <= o.now:
        return Trigger(Reason.EXPIRED, f"{o.entry.name} expired {o.entry.not_after:%Y-%m-%d}")
    return None


def _key_changed(o: Observed) -> Trigger | None:
    entry, wanted = o.entry, o.wanted
    assert entry is not None, "runs after _missing"
    have = (entry.algorithm, entry.key_size)
    if have != (wanted.key_type, wanted.key_size):
        return Trigger(
            Reason.KEY_CHANGED,
            f"key is {have[0]}-{have[1]}, profile wants {wanted.key_type}-{wanted.key_size}",
        )
    return None


def _cn_changed(o: Observed) -> Trigger | None:
    assert o.entry is not None, "runs after _missing"
    have = (o.entry.common_name or "").lower()
    if have != o.wanted.common_name.lower():
        return Trigger(
            Reason.CN_CHANGED, f"CN is {have or '(none)'}, profile wants {o.wanted.common_name}"
        )
    return None


def _sans_changed(o: Observed) -> Trigger | None:
    assert o.entry is not None, "runs after _missing"
    missing, extra = sans_difference(o.wanted.dns_names, o.entry.dns_names)
    if missing or extra:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(sorted(missing)))
        if extra:
            parts.append("unexpected " + ", ".join(sorted(extra)))
        return Trigger(Reason.SANS_CHANGED, "SANs differ: " + "; ".join(parts))
    return None


def _forced_by_profile(o: Observed) -> Trigger | None:
    if not o.wanted.force_renewal:
        return None
    if o.record is not None and o.record.forced_hash == o.wanted.content_hash:
        return None  # already forced once for this content: never loop
    return Trigger(Reason.FORCED_BY_PROFILE, "sectigo_force_renewal is true")


def _in_window(o: Observed) -> Trigger | None:
    entry = o.entry
    assert entry is not None, "runs after _missing"
    if o.schedule is not None:
        if o.now >= o.schedule.at:
            return Trigger(
                Reason.RENEWAL_TIME,
                f"renewal time {o.schedule.at:%Y-%m-%d %H:%M} reached ({o.schedule.reason})",
            )
        return None
    if entry.not_after is None:
        return None
    left = entry.not_after - o.now
    if left <= dt.timedelta(days=o.wanted.window_days):
        return Trigger(
            Reason.IN_WINDOW,
            f"expires {entry.not_after:%Y-%m-%d} ({_days(left)} left, "
            f"window {o.wanted.window_days} days)",
        )
    return None


Check = Callable[[Observed], Trigger | None]

UNUSABLE: tuple[Check, ...] = (_missing, _csr_only, _revoked, _expired)
"""Checks after which the firewall has no valid object for the profile (enroll acts on these)."""
MISMATCH: tuple[Check, ...] = (_key_changed, _cn_changed, _sans_changed)
RENEW_CHAIN: tuple[Check, ...] = (*UNUSABLE, *MISMATCH, _forced_by_profile, _in_window)


def first_trigger(checks: tuple[Check, ...], observed: Observed) -> Trigger | None:
    for check in checks:
        trigger = check(observed)
        if trigger is not None:
            return trigger
    return None


def window_error(o: Observed) -> Decision | None:
    """A window at least as long as the issued lifetime would rotate on every run."""
    entry = o.entry
    if entry is None or entry.not_before is None or entry.not_after is None:
        return None
    if o.schedule is not None:
        return None  # the CA's schedule replaces the window
    lifetime = entry.not_after - entry.not_before
    if dt.timedelta(days=o.wanted.window_days) >= lifetime:
        return Decision(
            Action.FAIL,
            Reason.WINDOW_TOO_LONG,
            f"sectigo_expiry_window ({o.wanted.window_days} days) is not shorter than the "
            f"certificate's lifetime ({_days(lifetime)}); it would renew on every run",
        )
    return None


def decide(o: Observed, mode: Mode, *, force: bool = False, named: bool = False) -> Decision:
    """The one decision for a (profile, firewall) pair.

    ``force`` is ``--force`` (one rotation this run); ``named`` says the profile was given
    with ``-p``, which overrides ``sectigo_auto_renew: false``.
    """
    if o.record is not None and o.record.in_flight:
        step = o.record.rotation.step if o.record.rotation else None
        return Decision(Action.RESUME, Reason.IN_FLIGHT, f"resuming the rotation at {step}")
    unusable = first_trigger(UNUSABLE, o)
    if unusable is not None:
        return _due(unusable, o, mode, named)
    error = window_error(o)
    if error is not None:
        return error
    if force:
        return Decision(Action.ROTATE, Reason.FORCED_BY_CLI, "--force given")
    if mode is Mode.ENROLL:
        return Decision(
            Action.NOTHING,
            Reason.VALID,
            "a valid certificate is already deployed (use --force to rotate)",
        )
    trigger = first_trigger(RENEW_CHAIN, o)
    if trigger is None:
        entry = o.entry
        assert entry is not None
        assert entry.not_after is not None
        when = ""
        if o.schedule is not None:
            when = f"; renew from {o.schedule.at:%Y-%m-%d %H:%M} ({o.schedule.reason})"
        return Decision(
            Action.NOTHING,
            Reason.VALID,
            f"valid until {entry.not_after:%Y-%m-%d} ({_days(entry.not_after - o.now)} left)"
            + when,
        )
    return _due(trigger, o, mode, named)


def _due(trigger: Trigger, o: Observed, mode: Mode, named: bool) -> Decision:
    if mode is Mode.RENEW and not o.wanted.auto_renew and not named:
        return Decision(
            Action.REPORT,
            Reason.AUTO_RENEW_OFF,
            f"{trigger.message}; not renewed because sectigo_auto_renew is false "
            "(name the profile with -p to renew it)",
        )
    return Decision(Action.ROTATE, trigger.reason, trigger.message)
