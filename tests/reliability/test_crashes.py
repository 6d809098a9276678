"""Crash at every step, from outside: the sandbox SIGKILLs the agent's process group when a
given call arrives (before its handler runs, or after the side effect happened), then the
agent runs again. Journal writes are crashed separately by SIGKILLing a subprocess between
write, fsync and rename. There is no crash hook in agent code.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from pancert.lifecycle.journal import Journal, PairRecord
from pancert.sandbox.faults import FaultRule
from pancert.sandbox.firewall import FirewallSettings

from .conftest import Tally
from .harness import HA_PAIRS, HA_PROFILES, PAIRS, Case, settle
from .invariants import case_problems, crash_problems, journal_records

CRASH_POINTS = [
    ("scm", "token", "before", "enroll"),
    ("scm", "types", "before", "enroll"),
    ("scm", "enroll", "before", "enroll"),
    ("scm", "enroll", "after", "enroll"),
    ("scm", "collect", "before", "enroll"),
    ("scm", "collect", "after", "enroll"),
    ("fw1", "generate", "before", "enroll"),
    ("fw1", "generate", "after", "enroll"),
    ("fw1", "export", "after", "enroll"),
    ("fw1", "import", "before", "enroll"),
    ("fw1", "import", "after", "enroll"),
    ("fw1", "config_set", "after", "enroll"),
    ("fw1", "commit", "before", "enroll"),
    ("fw1", "commit", "after", "enroll"),
    ("fw1", "show_jobs", "before", "enroll"),
    ("fw1", "config_edit", "after", "renew"),
    ("fw1", "config_delete", "before", "renew"),
    ("fw1", "config_delete", "after", "renew"),
    ("fw1", "config_show", "before", "renew"),
    ("scm", "revoke", "after", "renew"),
    ("fw2", "commit", "after", "renew"),
]
# One crash point per class (service x before/after x enrollment/renewal, and the second
# firewall); tests/reliability/test_ci_sample.py checks the classes stay covered.
CI_SUBSET = {
    "scm-enroll-before",
    "scm-enroll-after",
    "scm-revoke-after",
    "fw1-generate-before",
    "fw1-import-after",
    "fw1-commit-after",
    "fw1-config_delete-before",
    "fw2-commit-after",
}


def _on_ha_pair(point: tuple[str, str, str, str]) -> tuple[str, str, str, str] | None:
    """The same crash on an HA pair (fw1 active, fw2 passive): writes go to fw1 only, and
    the running configuration is read back from fw2 after the sync."""
    target, kind, when, scenario = point
    if target == "fw2":
        return None  # the passive peer takes no call that a standalone fw2 would
    if kind == "config_show":
        return ("fw2", kind, when, scenario)
    return point


HA_ONLY = [("fw1", "ha_state", "before", "enroll"), ("fw2", "ha_state", "after", "renew")]


def _params() -> list[Any]:
    params: list[Any] = []
    ha_points = [p for p in map(_on_ha_pair, CRASH_POINTS) if p is not None] + HA_ONLY
    for topology, points in (("standalone", CRASH_POINTS), ("ha", ha_points)):
        for point in points:
            name = "-".join(point[:3])
            quick = (name in CI_SUBSET and topology == "standalone") or name == "fw1-import-after"
            params.append(
                pytest.param(
                    topology,
                    point,
                    id=f"{name}" if topology == "standalone" else f"ha-{name}",
                    marks=() if quick else pytest.mark.slow,
                )
            )
    return params


@pytest.mark.parametrize(("topology", "point"), _params())
def test_crash_then_rerun(
    tmp_path: Path, tally: Tally, topology: str, point: tuple[str, str, str, str]
) -> None:
    pairs: tuple[tuple[str, str], ...] = PAIRS
    if topology == "ha":
        case = Case.start(tmp_path, HA_PROFILES, firewalls=0, ha_pairs=1)
        pairs = HA_PAIRS
    else:
        case = Case.start(tmp_path)
    try:
        _crash_then_rerun(case, tally, point, pairs)
    finally:
        case.stop()


def _crash_then_rerun(
    case: Case, tally: Tally, point: tuple[str, str, str, str], pairs: tuple[tuple[str, str], ...]
) -> None:
    problems = crash_problems(case, point, pairs)
    for pair in case.world.ha_pairs:
        problems += [
            f"{pair.name}: a write reached the passive peer: {w}" for w in pair.passive_writes
        ]
    tally.count("crashes")
    tally.violations(problems)


KILL_POINTS = ("after-write", "after-fsync", "before-rename")


@pytest.mark.parametrize("point", KILL_POINTS)
def test_journal_write_killed(tmp_path: Path, tally: Tally, point: str) -> None:
    """A real journal save SIGKILLed between write, fsync and rename leaves the old record
    whole and readable; the next save replaces it."""
    journal = Journal(tmp_path)
    journal.save(PairRecord(profile="web", firewall="fw_sandbox1", current_order_id=1), _now())
    script = textwrap.dedent(
        f"""
        import datetime, os, signal
        from pathlib import Path
        from pancert.lifecycle.journal import Journal, PairRecord
        point = {point!r}
        real_fsync = os.fsync
        def fsync(fd):
            if point == "after-write":
                os.kill(os.getpid(), signal.SIGKILL)
            real_fsync(fd)
            if point == "after-fsync":
                os.kill(os.getpid(), signal.SIGKILL)
        def replace(a, b):
            os.kill(os.getpid(), signal.SIGKILL)
        os.fsync = fsync
        if point == "before-rename":
            os.replace = replace
        record = PairRecord(profile="web", firewall="fw_sandbox1", current_object="web-x" * 500,
                            current_order_id=2)
        Journal(Path({str(tmp_path)!r})).save(record, datetime.datetime.now(datetime.UTC))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True)
    assert done.returncode == -signal.SIGKILL, done.stderr
    records, problems = journal_records(tmp_path)
    if [r.current_order_id for r in records] != [1]:
        problems.append(f"the old record did not survive a kill {point}: {records}")
    journal.save(PairRecord(profile="web", firewall="fw_sandbox1", current_order_id=3), _now())
    loaded = journal.load("web", "fw_sandbox1")
    if loaded is None or loaded.current_order_id != 3:
        problems.append(f"the next save after a kill {point} did not take")
    path = journal.path_for("web", "fw_sandbox1")
    if json.loads(path.read_text())["current_order_id"] != 3:
        problems.append("the record on disk is not the last one saved")
    tally.count("crashes")
    tally.violations(problems)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.mark.parametrize("kind", ["config_edit", pytest.param("import", marks=pytest.mark.slow)])
def test_another_admin_commits_after_every_write(tmp_path: Path, tally: Tally, kind: str) -> None:
    """Another admin commits the whole candidate after each of pancert's writes, through a
    renewal that is killed once mid-way: no commit at any instant may break a binding."""
    case = Case.start(tmp_path, fw=FirewallSettings(commit_duration_s=0.0))
    try:
        first = case.run("renew")
        assert first.code == 0, first.text
        for fw in case.firewalls:
            fw.set_switches({"commit_by_other_after_writes": True})
        process = case.agent.spawn("renew", "--force")
        case.add_fault("fw1", FaultRule(kind=kind, fault="kill", pgid=process.pid, when="after"))
        process.communicate(timeout=300)
        case.clear_faults()
        final = settle(case)
        assert any(c.user == "admin2" for c in case.firewalls[0].commits), "no admin committed"
        problems = [f"{fw.name}: {p}" for fw in case.firewalls for p in fw.binding_violations]
        if final.code != 0:
            problems.append(f"no convergence: {final.text[-600:]}")
        problems += case_problems(case, PAIRS, converged=True)
    finally:
        case.stop()
    tally.count("crashes")
    tally.violations(problems)
