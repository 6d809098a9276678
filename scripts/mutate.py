"""Mutation testing of pancert's core with mutmut (https://github.com/boxed/mutmut, 2.x).

Each core module is mutated with only the tests that exercise it (MODULES below), one
module after another. The DEFAULT set was measured to fit in 30 minutes on a 2-core
machine; the whole table was not (see docs/testing.md). mutmut edits
the file in place and restores it after each mutant; its results are kept in
``.mutmut-cache`` (SQLite), read here for the per-module score.

    make mutate                        # the DEFAULT modules
    make mutate MODULES="plan naming"  # some of them (keys of MODULES)
    make mutate MODULES=all            # every module below
    .venv/bin/mutmut show <id>         # the diff of one surviving mutant
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

# xdist and hypothesis plugins cost ~2.5 s of start-up per mutant; the tests run here need
# neither (hypothesis itself still works when imported by a test).
PYTEST = (
    f"{sys.executable} -c 'import sys, pytest; sys.exit(pytest.main(sys.argv[1:]) and 1)'"
    " -x -q -p no:randomly -p no:cacheprovider -p no:xdist -p no:hypothesispytest"
)
MUTMUT = str(Path(sys.executable).parent / "mutmut")

MODULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "plan": ("src/pancert/lifecycle/plan.py", ("tests/lifecycle/test_plan.py",)),
    "naming": ("src/pancert/lifecycle/naming.py", ("tests/lifecycle/test_journal.py",)),
    "redaction": (
        "src/pancert/redaction.py",
        ("tests/unit/test_logs.py", "tests/secrets/test_vectors.py"),
    ),
    "journal": (
        "src/pancert/lifecycle/journal.py",
        ("tests/lifecycle/test_journal.py", "tests/unit/test_state.py"),
    ),
    "install": ("src/pancert/lifecycle/install.py", ("tests/lifecycle/test_executor.py",)),
    "finish": ("src/pancert/lifecycle/finish.py", ("tests/lifecycle/test_executor.py",)),
    "fileio": (
        "src/pancert/fileio.py",
        ("tests/unit/test_fileio_durability.py", "tests/secrets/test_files.py"),
    ),
    "panos-errors": ("src/pancert/panos/errors.py", ("tests/panos/test_errors.py",)),
    "scm-errors": ("src/pancert/scm/errors.py", ("tests/scm/test_units.py",)),
    "config-fields": (
        "src/pancert/config/fields.py",
        ("tests/unit/test_config_validation.py",),
    ),
}

DEFAULT = ("plan", "naming", "redaction")
"""What ``make mutate`` runs without MODULES: the modules measured to fit in 30 minutes
here (docs/testing.md); ``MODULES=all`` runs every entry of MODULES (longer)."""

CACHE = Path(".mutmut-cache")


def counts(path: str) -> dict[str, int]:
    if not CACHE.exists():
        return {}
    with sqlite3.connect(CACHE) as db:
        rows = db.execute(
            "SELECT m.status, COUNT(*) FROM Mutant m JOIN Line l ON m.line = l.id "
            "JOIN SourceFile f ON l.sourcefile = f.id WHERE f.filename = ? GROUP BY m.status",
            (path,),
        ).fetchall()
    return {status: n for status, n in rows}


def score(found: dict[str, int]) -> tuple[int, int]:
    # "suspicious": the tests failed but took long; a timeout: the mutant hung the tests
    killed = sum(found.get(s, 0) for s in ("ok_killed", "ok_suspicious", "bad_timeout"))
    total = killed + found.get("bad_survived", 0)
    return killed, total


def main(names: list[str]) -> int:
    chosen = list(MODULES) if names == ["all"] else names or list(DEFAULT)
    unknown = [n for n in chosen if n not in MODULES]
    if unknown:
        print(f"unknown module(s) {unknown}; choose from {sorted(MODULES)}", file=sys.stderr)
        return 2
    lines = []
    for name in chosen:
        path, tests = MODULES[name]
        started = time.monotonic()
        # A mutant often has the size of the original and is written within the same second:
        # Python would then trust the stale bytecode and test the wrong code. No bytecode.
        shutil.rmtree(Path(path).parent / "__pycache__", ignore_errors=True)
        subprocess.run(
            [
                MUTMUT,
                "run",
                "--paths-to-mutate",
                path,
                "--tests-dir",
                "tests",
                "--runner",
                # mutmut 2 counts only exit code 1 as a kill; a mutant that breaks the import
                # (pytest exit 2, collection error) is killed too. One process, no shell in
                # between, so mutmut's timeout can kill a mutant that loops.
                f"{PYTEST} {' '.join(tests)}",
                "--no-progress",
            ],
            check=False,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        killed, total = score(counts(path))
        pct = 100 * killed / total if total else 0.0
        lines.append(
            f"{name:18} {killed:4}/{total:<4} killed  {pct:5.1f} %  "
            f"({time.monotonic() - started:.0f} s)"
        )
        print(lines[-1], flush=True)
    print("\nmutation score (killed or timed out / tested):")
    print("\n".join(lines))
    print("survivors: .venv/bin/mutmut results; one diff: .venv/bin/mutmut show <id>")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
