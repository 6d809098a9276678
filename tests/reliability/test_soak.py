"""Concurrency and soak: a second run while one holds the lock exits 3 cleanly; many runs in a
row with random faults on 5 % of calls never order twice and converge once the faults stop.

Every soak run prints its seed (``PANCERT_SOAK_SEED`` replays a whole soak;
``PANCERT_SOAK_RUNS`` sets the length of the long one: 50 by default, 500 in
``make reliability``). The seed is fixed unless ``PANCERT_SOAK_SEED`` is set.
"""

from __future__ import annotations

import os
import random
import time

import pytest

from pancert import status_codes
from pancert.sandbox.faults import FaultRule

from .conftest import Tally
from .harness import PAIRS, Case, Result, file_hashes, settle
from .invariants import case_problems

FAULTS = ("5xx", "429", "reset", "malformed", "error")
RATE = 0.05


def test_second_run_exits_3_while_the_first_holds_the_lock(case: Case, tally: Tally) -> None:
    # long enough for a second pancert process to start on a loaded machine (it took over
    # 4 s with the load at 10 on 2 cores)
    case.add_fault("fw1", FaultRule(kind="ha_state", fault="slow", delay_s=12.0))
    first = case.agent.spawn("renew")
    deadline = time.monotonic() + 60
    while not case.firewalls[0].recorder.counts().get("ha_state"):
        assert time.monotonic() < deadline, "the first run never reached the firewall"
        assert first.poll() is None, first.communicate()
        time.sleep(0.05)
    journal_before = (
        file_hashes(case.state / "journal") if (case.state / "journal").exists() else {}
    )
    second = case.run("renew")
    out, err = first.communicate(timeout=120)
    problems = []
    if second.code != status_codes.LOCKED:
        problems.append(f"second run exit {second.code}, not 3: {second.text}")
    if "Traceback" in second.text or "lock" not in second.text.lower():
        problems.append(f"the second run's message is not a clear lock message: {second.text}")
    if len(case.world.scm.orders()) != 3:
        problems.append(f"{len(case.world.scm.orders())} orders, not 3")
    if first.returncode != 0:
        problems.append(f"the first run failed: {out}{err}")
    journal_after = file_hashes(case.state / "journal")
    if journal_before and not set(journal_before) <= set(journal_after):
        problems.append("a journal record disappeared")
    problems += case_problems(case, PAIRS, converged=True)
    tally.violations(problems)


def _soak(case: Case, tally: Tally, runs: int, seed: int) -> None:
    rng = random.Random(seed)
    problems: list[str] = []
    for index in range(runs):
        run_seed = rng.randrange(2**32)
        print(f"soak run {index} seed {run_seed}")
        args = ["renew", "--force"] if index % 3 == 0 else ["renew"]
        process = case.agent.spawn(*args)
        targets = ["scm", *(f"fw{i}" for i in range(1, len(case.firewalls) + 1))]
        for offset, target in enumerate(targets):
            for number, fault in enumerate(FAULTS):
                case.add_fault(
                    target,
                    FaultRule(
                        kind="*",
                        fault=fault,  # type: ignore[arg-type]
                        times=-1,
                        probability=RATE / (len(FAULTS) + 1),
                        seed=run_seed + 31 * offset + number,
                    ),
                )
            case.add_fault(
                target,
                FaultRule(
                    kind="*",
                    fault="kill",
                    times=-1,
                    pgid=process.pid,
                    probability=RATE / (len(FAULTS) + 1),
                    seed=run_seed + 31 * offset + 17,
                ),
            )
        out, err = process.communicate(timeout=300)
        case.clear_faults()
        result = Result(process.returncode, out, err)
        if "Traceback" in result.text:
            problems.append(f"run {index} (seed {run_seed}): traceback: {result.text[-500:]}")
        problems += [
            f"run {index} (seed {run_seed}): {p}"
            for p in case_problems(case, PAIRS, converged=False)
        ]
        tally.count("soak_runs")
    final = settle(case, runs=4)
    if final.code != 0:
        problems.append(f"no convergence after the soak (seed {seed}): {final.text[-800:]}")
    problems += case_problems(case, PAIRS, converged=True)
    tally.violations(problems)


# A fixed default makes the short soak in ``make test`` the same sample on every run, so a red
# result is reproducible and a green one means the same thing each time; ``PANCERT_SOAK_SEED``
# explores other runs (the printed seed replays any of them).
DEFAULT_SEED = 20261130


def _seed() -> int:
    return int(os.environ.get("PANCERT_SOAK_SEED") or DEFAULT_SEED)


def test_soak_short(case: Case, tally: Tally) -> None:
    seed = _seed()
    print(f"soak seed {seed}")
    _soak(case, tally, 8, seed)


@pytest.mark.slow
def test_soak_long(case: Case, tally: Tally) -> None:
    seed = _seed()
    print(f"soak seed {seed}")
    _soak(case, tally, int(os.environ.get("PANCERT_SOAK_RUNS", "50")), seed)
