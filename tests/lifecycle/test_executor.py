"""The executor's steps, table-tested against hand-written fakes of the two ports: what
each situation makes the run do on the firewall and at the CA, what it reports, and what
the journal keeps — no network, no sandbox server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pancert.errors import PancertError
from pancert.lifecycle.journal import Journal, PairRecord, Rotation, Step
from pancert.lifecycle.outcome import Status
from pancert.lifecycle.pair import Pair
from pancert.lifecycle.plan import Mode
from pancert.panos.errors import AuthenticationError, BindingTargetError, PassiveHaPeerError
from pancert.sandbox.ca import SandboxCA
from pancert.scm.errors import ScmValidationError

from .executor_kit import Kit, firewall, issued_pem
from .fakes import FakeCA, FakeFirewall

READS = {"certificates", "snapshot", "ha_state", "job", "wait_for_job", "binding", "check_owner"}


def writes(fw: FakeFirewall) -> list[str]:
    return [c for c in fw.calls if c not in READS]


@dataclass(frozen=True)
class Case:
    setup: Callable[[Kit], list[Pair]]
    status: Status
    fw_writes: list[str]
    ca_calls: list[str]
    mode: Mode = Mode.RENEW
    error: type[PancertError] | None = None
    step: Step | None = None
    """The journal's rotation step afterwards (None: no rotation recorded)."""
    checks: list[Callable[[Kit], None]] = field(default_factory=list)


def fresh(kit: Kit) -> list[Pair]:
    return [kit.pair()]


def due_in_window(kit: Kit, **overrides: object) -> list[Pair]:
    """The Sectigo agent's object, with its .ids file, used by an SSL/TLS profile."""
    kit.fw.install("web", issued_pem(kit.ca_root, days_left=10), profile="web-tls")
    kit.journal.write_ids("web", 77, None, api="admin")
    return [kit.pair(**overrides)]  # type: ignore[arg-type]


def valid(kit: Kit) -> list[Pair]:
    kit.fw.install("web", issued_pem(kit.ca_root, days_left=80), profile="web-tls")
    return [kit.pair()]


def passive(kit: Kit) -> list[Pair]:
    kit.fw.passive = True
    return [kit.pair()]


def key_refused(kit: Kit) -> list[Pair]:
    kit.fw.failures["certificates"] = AuthenticationError(403, ("Invalid credentials.",))
    return [kit.pair()]


def validation_missing(kit: Kit) -> list[Pair]:
    kit.ca.failures["enroll"] = ScmValidationError(
        code=-1, description="DCV", http_status=400, operation="enroll", domains=("x.example",)
    )
    return [kit.pair()]


def pending(kit: Kit) -> list[Pair]:
    kit.ca.pending = True
    return [kit.pair()]


def binding_missing(kit: Kit) -> list[Pair]:
    return [kit.pair(paloalto_bindings=[{"ssl_tls_service_profile": "nowhere"}])]


def no_commit_user(kit: Kit) -> list[Pair]:
    fw = firewall(kit.folder, paloalto_commit_user=None)
    return [kit.pair_on(fw)]


def order_intent_found(kit: Kit) -> list[Pair]:
    """A crash after SCM took the order but before its id was journalled."""
    pair = kit.pair()
    kit.fw.install("web", issued_pem(kit.ca_root, days_left=10))
    record = PairRecord(
        profile="web",
        firewall="fw_a",
        current_object="web",
        current_order_id=77,
        owned_objects=["web"],
    )
    record.rotation = Rotation(
        step=Step.CSR_INTENT,
        object_name="web-2abcdefg",
        request_id="1" * 32,
        reason="in-window",
        started_at=kit.settings().clock(),
        profile_hash=pair.wanted.content_hash,
        replaces="web",
    )
    asyncio.run(kit.fw.generate_csr(pair.resolved.csr_for("web-2abcdefg"), pair.location))
    record.rotation.csr_pem = kit.fw.candidate.objects["web-2abcdefg"].csr_pem
    record.rotation.step = Step.ORDER_INTENT
    kit.journal.save(record, kit.settings().clock())
    asyncio.run(kit.ca.enroll(pair.resolved.enroll_for(record.rotation.csr_pem or "", "1" * 32)))
    kit.fw.calls.clear()
    kit.ca.calls.clear()
    return [pair]


def _bound_to_new(kit: Kit) -> None:
    assert kit.fw.running.profiles["web-tls"] != "web"
    assert kit.fw.running.profiles["web-tls"] in kit.fw.running.objects
    assert "web" not in kit.fw.running.objects


def _retired(revoke: bool) -> Callable[[Kit], None]:
    def check(kit: Kit) -> None:
        assert [(old, revoke_it) for old, _, revoke_it in kit.ca.retired] == [(77, revoke)]

    return check


def _not_ordered_twice(kit: Kit) -> None:
    assert len(kit.ca.orders) == 1


ROTATION = ["generate_csr", "export_csr", "import_certificate"]

CASES = {
    "new pair enrolls under the profile's name": Case(
        fresh,
        Status.CONVERGED,
        [*ROTATION, "commit"],
        ["enroll", "collect"],
        Mode.ENROLL,
        step=Step.DEPLOYED,
    ),
    "in window: rotate, rebind, delete, mark renewed": Case(
        due_in_window,
        Status.CONVERGED,
        [*ROTATION, "rebind", "delete_certificate", "commit"],
        ["enroll", "collect", "retire_superseded"],
        step=Step.DEPLOYED,
        checks=[_bound_to_new, _retired(False)],
    ),
    "in window with revoke_superseded: revoked": Case(
        lambda kit: due_in_window(kit, sectigo_revoke_superseded=True),
        Status.CONVERGED,
        [*ROTATION, "rebind", "delete_certificate", "commit"],
        ["enroll", "collect", "retire_superseded"],
        step=Step.DEPLOYED,
        checks=[_retired(True)],
    ),
    "valid: nothing written, no CA call": Case(valid, Status.UNCHANGED, [], []),
    "pending at the CA: order journalled": Case(
        pending,
        Status.PENDING,
        ["generate_csr", "export_csr"],
        ["enroll", "collect"],
        step=Step.ORDERED,
    ),
    "passive HA peer: nothing written": Case(
        passive, Status.FAILED, [], [], error=PassiveHaPeerError
    ),
    "API key refused on the first read": Case(
        key_refused, Status.FAILED, [], [], error=AuthenticationError
    ),
    "SCM validation missing": Case(
        validation_missing,
        Status.FAILED,
        ["generate_csr", "export_csr"],
        ["enroll"],
        error=ScmValidationError,
        step=Step.CSR_ON_DEVICE,  # no order exists: the next run orders afresh
    ),
    "binding names nothing: bad input": Case(
        binding_missing,
        Status.BAD_INPUT,
        [*ROTATION],
        ["enroll", "collect"],
        error=BindingTargetError,
        step=Step.ISSUED,
    ),
    "no commit user: bad input, changes stay in the candidate": Case(
        no_commit_user,
        Status.BAD_INPUT,
        [*ROTATION],
        ["enroll", "collect"],
        step=Step.IMPORTED,
    ),
    "resumed order intent: looked up, not ordered again": Case(
        order_intent_found,
        Status.CONVERGED,
        ["import_certificate", "delete_certificate", "commit"],
        ["find_order", "collect", "retire_superseded"],
        step=Step.DEPLOYED,
        checks=[_not_ordered_twice],
    ),
}


@pytest.fixture
def kit(tmp_path: Path, sandbox_ca: SandboxCA) -> Kit:
    return Kit(
        tmp_path, sandbox_ca, FakeFirewall(), FakeCA(sandbox_ca), Journal(tmp_path / "state")
    )


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_executor_step(kit: Kit, case: Case) -> None:
    pairs = case.setup(kit)
    (outcome,) = kit.run(pairs, kit.settings(case.mode))
    assert outcome.status is case.status, outcome.message
    assert writes(kit.fw) == case.fw_writes
    assert kit.ca.calls == case.ca_calls
    record = kit.journal.load("web", "fw_a")
    if case.error is not None:
        assert outcome.error_kind == case.error.__name__
        assert outcome.hint == case.error.hint
        assert record is not None, "the failure is journalled even for a new pair"
        assert record.last_error == outcome.message
        assert record.last_error_hint == case.error.hint
        assert record.last_error_kind == case.error.__name__
    if case.step is None:
        assert record is None or record.rotation is None
    else:
        assert record is not None
        assert record.rotation is not None
        assert record.rotation.step is case.step
    for check in case.checks:
        check(kit)


def test_a_dry_run_writes_nothing_anywhere(kit: Kit) -> None:
    pairs = due_in_window(kit)
    (outcome,) = kit.run(pairs, kit.settings(dry_run=True))
    assert outcome.status is Status.PLANNED
    assert kit.fw.calls == ["certificates"]
    assert kit.ca.calls == []
    assert kit.journal.records() == []


def test_outcomes_are_immutable(kit: Kit) -> None:
    (outcome,) = kit.run(valid(kit), kit.settings())
    with pytest.raises(AttributeError):
        outcome.status = Status.FAILED  # type: ignore[misc]
