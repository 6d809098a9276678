"""``status`` and ``renew --dry-run`` agree on what is due, for every case of the planner's
table: the dry run sees the case's certificate on a (fake) firewall; status sees only what a
run left in the journal, and asks the same planner."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pancert.lifecycle.journal import Journal
from pancert.lifecycle.outcome import Status
from pancert.lifecycle.plan import Action, Observed, Reason
from pancert.lifecycle.status import decision_for, row
from pancert.sandbox.ca import SandboxCA

from .builders import NOW, record
from .executor_kit import Kit
from .fakes import FakeCA, FakeFirewall
from .test_plan import RENEW_CASES

_STATUS = {
    Action.ROTATE: Status.PLANNED,
    Action.RESUME: Status.PLANNED,
    Action.NOTHING: Status.UNCHANGED,
    Action.REPORT: Status.REPORTED,
    Action.FAIL: Status.BAD_INPUT,
}


@pytest.mark.parametrize(("obs", "action", "reason", "message"), RENEW_CASES)
def test_status_and_dry_run_agree(  # noqa: PLR0917 - fixtures plus the table's columns
    tmp_path: Path,
    sandbox_ca: SandboxCA,
    obs: Observed,
    action: Action,
    reason: Reason,
    message: str,
) -> None:
    fw = FakeFirewall(passive=True)  # the remembering run changes nothing on the firewall
    fw.presented = [] if obs.entry is None else [obs.entry]
    kit = Kit(tmp_path, sandbox_ca, fw, FakeCA(sandbox_ca), Journal(tmp_path / "state"))
    base = kit.pair()
    pair = dataclasses.replace(base, resolved=dataclasses.replace(base.resolved, wanted=obs.wanted))
    kit.journal.save(obs.record or record(), NOW)

    (planned,) = kit.run([pair], kit.settings(dry_run=True, clock=lambda: NOW))
    assert planned.status is _STATUS[action], planned.message
    assert planned.reason == str(reason)

    kit.run([pair], kit.settings(clock=lambda: NOW))  # a real run: the journal learns
    kept = kit.journal.load("web", "fw_a")
    assert kept is not None
    shown = row("web", "fw_a", kept, pair.resolved, NOW)
    assert shown.due is (planned.status is Status.PLANNED)
    if kept.rotation is None or not kept.in_flight:
        decision = decision_for(kept, pair.resolved, NOW)
        assert (decision.action, decision.reason) == (action, reason)
        assert message in decision.message
