"""An unexpected failure in one pair sets that pair aside; every other pair finishes.

The CLI runs in this process so that one step can be replaced by a failing one for one
profile (``web``): the run must end with ``web`` failed as an internal error, ``shop``
converged on both firewalls, no traceback on the console, and the traceback in the log file.
"""

from __future__ import annotations

import pytest

from pancert import cli
from pancert.config.resolved import ResolvedProfile
from pancert.lifecycle import run
from pancert.panos.models import CsrRequest

from .conftest import Tally
from .harness import Case
from .invariants import case_problems


def _log_text(case: Case) -> str:
    return "".join(p.read_text() for p in (case.config_folder / "logs").glob("*log*"))


def test_an_unexpected_error_in_one_pair_stops_only_that_pair(
    case: Case, tally: Tally, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = ResolvedProfile.csr_for

    def failing(resolved: ResolvedProfile, name: str) -> CsrRequest:
        if resolved.name == "web":
            raise RuntimeError("unforeseen value in web")
        return real(resolved, name)

    monkeypatch.setattr(ResolvedProfile, "csr_for", failing)
    monkeypatch.setenv("PANCERT_ACCEPT_EULA", "yes")
    code = cli.main(["--config", str(case.agent.config), "renew"])
    out, err = capsys.readouterr()
    problems = []
    if code != 1:
        problems.append(f"exit {code}, not 1")
    if "web on fw_sandbox1: failed: internal error: RuntimeError" not in out:
        problems.append("web is not reported as an internal error of its own")
    for firewall in ("fw_sandbox1", "fw_sandbox2"):
        if f"shop on {firewall}: converged" not in out:
            problems.append(f"shop on {firewall} did not finish")
    if "Traceback" in out + err:
        problems.append("a traceback on the console without --debug")
    log = _log_text(case)
    if "Traceback" not in log or "RuntimeError: unforeseen value in web" not in log:
        problems.append("the internal error did not reach the log file")
    problems += case_problems(
        case, (("shop", "fw_sandbox1"), ("shop", "fw_sandbox2")), converged=True
    )
    tally.count("faults")
    tally.violations([f"{p}\n--- out:\n{out}\n--- err:\n{err}" for p in problems])


def test_an_internal_error_of_the_whole_command_reaches_the_log(
    case: Case, tally: Tally, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("broken before any pair")

    monkeypatch.setattr(run, "run_lifecycle", broken)
    monkeypatch.setenv("PANCERT_ACCEPT_EULA", "yes")
    code = cli.main(["--config", str(case.agent.config), "renew"])
    out, err = capsys.readouterr()
    problems = []
    if code != 1 or "internal error: RuntimeError" not in err:
        problems.append(f"exit {code} without the one-line internal error")
    if "Traceback" in out + err:
        problems.append("a traceback on the console without --debug")
    if "RuntimeError: broken before any pair" not in _log_text(case):
        problems.append("the internal error did not reach the log file")
    tally.count("faults")
    tally.violations([f"{p}\n--- out:\n{out}\n--- err:\n{err}" for p in problems])
