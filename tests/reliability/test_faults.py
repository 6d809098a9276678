"""The fault matrix: every external call kind by every way it fails; run, then run again.

Each case: (for renewal-path kinds, a clean first enrollment, then ``renew --force``) a run
with the fault in place, then fault-free runs until converged. Invariants after each run:
one order per rotation, no lost sslId, a whole journal, bindings that survive another admin
committing the candidate; at the end every pair deployed with no stray object; and the
faulted run's message names the call that failed. A fault that never fired fails the case
(it would prove nothing).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest

from pancert.sandbox.faults import FaultRule

from .conftest import Tally
from .harness import PAIRS, Case, settle
from .invariants import case_problems, message_problems

SCM_KINDS = {"token": "enroll", "types": "enroll", "enroll": "enroll", "collect": "enroll"}
SCM_KINDS_RENEW = {"revoke": "renew"}
FW_KINDS = {
    "ha_state": "enroll",
    "config_get": "enroll",
    "generate": "enroll",
    "export": "enroll",
    "import": "enroll",
    "config_set": "enroll",
    "commit": "enroll",
    "show_jobs": "enroll",
    "config_show": "renew",
    "config_edit": "renew",
    "config_delete": "renew",
}
BASIC = ("5xx", "429", "reset", "malformed", "error", "late-reset")
MUTATING = ("enroll", "generate", "import", "config_set", "config_edit", "config_delete", "commit")


@dataclass(frozen=True)
class Fault:
    target: str
    kind: str
    fault: str
    scenario: str
    when: str = "before"
    times: int = -1

    @property
    def id(self) -> str:
        return f"{self.target}-{self.kind}-{self.fault}-{self.when}"

    def rule(self) -> FaultRule:
        extra: dict[str, Any] = {}
        fault = self.fault
        if fault == "late-reset":
            fault, extra = "timeout", {"delay_s": 1.0}
        return FaultRule(
            kind=self.kind,
            fault=fault,  # type: ignore[arg-type]
            times=self.times,
            when=self.when,  # type: ignore[arg-type]
            retry_after=1.0,
            **extra,
        )


def _matrix() -> list[Fault]:
    cases: list[Fault] = []
    for kinds, target in ((SCM_KINDS | SCM_KINDS_RENEW, "scm"), (FW_KINDS, "fw1")):
        for kind, scenario in kinds.items():
            cases += [Fault(target, kind, f, scenario) for f in BASIC]
            if kind in MUTATING:
                cases += [Fault(target, kind, f, scenario, when="after") for f in ("5xx", "reset")]
    cases += [Fault("fw1", "config_delete", f, "renew", when="after") for f in ("5xx", "reset")] + [
        Fault("fw1", "config_edit", f, "renew", when="after") for f in ("5xx", "reset")
    ]
    return list({c.id: c for c in cases}.values())


CI_SUBSET = {
    "scm-enroll-5xx-after",
    "scm-collect-429-before",
    "fw1-import-error-before",
    "fw1-commit-reset-after",
    "fw1-config_delete-malformed-before",
    "scm-token-late-reset-before",
}


def _params(faults: list[Fault]) -> list[Any]:
    return [
        pytest.param(f, id=f.id, marks=() if f.id in CI_SUBSET else pytest.mark.slow)
        for f in faults
    ]


def _prime(case: Case, scenario: str, tally: Tally) -> list[str]:
    """The run before the faulted one: a clean enrollment when the fault hits a renewal."""
    if scenario == "enroll":
        return ["renew"]
    first = case.run("renew")
    assert first.code == 0, first.text
    tally.violations(case_problems(case, PAIRS, converged=True))
    return ["renew", "--force"]


def _finish(case: Case, tally: Tally, faulted: Any, kind: str) -> None:
    problems = message_problems(faulted, kind)
    problems += case_problems(case, PAIRS, converged=False)
    final = settle(case)
    problems += message_problems(final, kind)
    if final.code != 0:
        problems.append(f"did not converge after the fault: {final.text[-600:]}")
    problems += case_problems(case, PAIRS, converged=True)
    tally.count("faults")
    tally.violations(problems)


@pytest.mark.parametrize("fault", _params(_matrix()))
def test_fault(case: Case, tally: Tally, fault: Fault) -> None:
    args = _prime(case, fault.scenario, tally)
    rule = case.add_fault(fault.target, fault.rule())
    faulted = case.run(*args)
    case.clear_faults()
    assert rule.fired > 0, f"{fault.id} never fired: {case.calls()}"
    _finish(case, tally, faulted, fault.kind)


TIMEOUTS = [
    Fault("scm", "enroll", "timeout", "enroll", times=1),
    Fault("scm", "collect", "timeout", "enroll", times=1),
    Fault("fw1", "import", "timeout", "enroll", times=1),
    Fault("fw1", "commit", "timeout", "enroll", times=1),
]


@pytest.mark.slow
@pytest.mark.parametrize("fault", TIMEOUTS, ids=[f.id for f in TIMEOUTS])
def test_real_timeout(case: Case, tally: Tally, fault: Fault) -> None:
    """The server holds the request past the client's own timeout (30 s SCM, 60 s PAN-OS)."""
    rule = case.add_fault(fault.target, FaultRule(kind=fault.kind, fault="timeout", times=1))
    faulted = case.run("renew")
    case.clear_faults()
    assert rule.fired > 0
    _finish(case, tally, faulted, fault.kind)


@pytest.mark.parametrize(
    "situation",
    [
        "commit-job-fail",
        pytest.param("commit-lock-held", marks=pytest.mark.slow),
        pytest.param("config-lock-held", marks=pytest.mark.slow),
        pytest.param("scm-still-processing", marks=pytest.mark.slow),
        pytest.param("retry-after-too-long", marks=pytest.mark.slow),
    ],
)
def test_situation(case: Case, tally: Tally, situation: str) -> None:
    """Faults that are states of the other side rather than one bad answer."""
    fw = case.firewalls[0]
    kind = "commit"
    if situation == "commit-job-fail":
        fw.fail_commits = 1
    elif situation == "commit-lock-held":
        fw.commit_lock = "admin2"
    elif situation == "config-lock-held":
        fw.config_lock, kind = "admin2", "generate"
    elif situation == "scm-still-processing":
        case.world.scm.settings.dv_issue_delay_s, kind = 3.0, "collect"
    else:
        case.add_fault("scm", FaultRule(kind="enroll", fault="429", retry_after=3600))
        kind = "enroll"
    faulted = case.run("renew")
    case.clear_faults()
    if situation == "scm-still-processing":
        assert "pending" in faulted.text, faulted.text
        case.world.scm.settings.dv_issue_delay_s = 0.0
        time.sleep(3.0)
    else:
        assert faulted.code != 0, faulted.text
    _finish(case, tally, faulted, kind)


@pytest.mark.parametrize(
    ("lookup_kind", "fault"),
    [("list", "5xx"), pytest.param("list", "malformed", marks=pytest.mark.slow)]
    + [pytest.param("details", f, marks=pytest.mark.slow) for f in ("5xx", "reset")],
)
def test_order_lookup_fault(case: Case, tally: Tally, lookup_kind: str, fault: str) -> None:
    """The enroll answer is lost (the order exists), and the lookup that follows fails too."""
    case.add_fault("scm", FaultRule(kind="enroll", fault="reset", when="after"))
    lost = case.run("renew", "-p", "shop")
    assert lost.code != 0, lost.text
    rule = case.add_fault(
        "scm",
        FaultRule(kind=lookup_kind, fault=fault, times=-1),  # type: ignore[arg-type]
    )
    faulted = case.run("renew")
    case.clear_faults()
    assert rule.fired > 0, f"the order lookup made no {lookup_kind} call: {case.calls()}"
    _finish(case, tally, faulted, "list")
