"""Mutation testing of pancert's core with mutmut 3 (https://github.com/boxed/mutmut).

mutmut's settings are ``[tool.mutmut]`` in pyproject.toml: the modules to mutate
(``only_mutate``, the same list as MODULES below) and the tests that may kill their
mutants (``pytest_add_cli_args_test_selection``). mutmut copies ``src`` and ``tests`` to
``mutants/``, runs that test selection once to record which tests execute which function,
then forks one process per mutant and runs only the tests that execute the mutated
function. The working tree is never edited.

    make mutate                        # every module below, from a clean mutants/
    make mutate MODULES="plan naming"  # some of them (keys of MODULES)
    .venv/bin/mutmut show <name>       # the diff of one mutant (names are printed below)
    .venv/bin/mutmut browse            # every result, interactively

Score per module: mutants killed (a selected test failed or ran out of time, or
``mypy --strict`` rejected the mutated code, as ``make lint`` would) over all mutants mutmut
generated for it; a mutant no selected test executes counts as a survivor. The two kinds of
kill are printed apart.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

MUTMUT = str(Path(sys.executable).parent / "mutmut")

MODULES: dict[str, str] = {
    "plan": "src/pancert/lifecycle/plan.py",
    "journal": "src/pancert/lifecycle/journal.py",
    "naming": "src/pancert/lifecycle/naming.py",
    "install": "src/pancert/lifecycle/install.py",
    "finish": "src/pancert/lifecycle/finish.py",
    "rotate": "src/pancert/lifecycle/rotate.py",
    "redaction": "src/pancert/redaction.py",
    "fileio": "src/pancert/fileio.py",
    "config-fields": "src/pancert/config/fields.py",
    "config-models": "src/pancert/config/models.py",
    "config-profile": "src/pancert/config/profile.py",
    "panos-errors": "src/pancert/panos/errors.py",
    "panos-transport": "src/pancert/panos/transport.py",
    "panos-jobs": "src/pancert/panos/jobs.py",
    "scm-errors": "src/pancert/scm/errors.py",
    "scm-http": "src/pancert/scm/_http.py",
}

# mutmut's exit codes per mutant (mutmut/stats.py): 0 = the tests passed (survived),
# 33 / 5 = no selected test executes the function (a survivor here too).
KILLED = {"killed", "timeout", "segfault", "suspicious", "caught by type check"}
SURVIVED = {"survived", "no tests"}


def status_of(code: int | None) -> str:
    from mutmut.stats import status_by_exit_code  # noqa: PLC0415 - only after the run

    return str(status_by_exit_code[code])


def configured() -> list[str]:
    with open("pyproject.toml", "rb") as f:
        return list(tomllib.load(f)["tool"]["mutmut"]["only_mutate"])


def module_name(path: str) -> str:
    """``src/pancert/lifecycle/plan.py`` -> ``pancert.lifecycle.plan`` (mutmut's prefix)."""
    return path.removeprefix("src/").removesuffix(".py").replace("/", ".")


def results(path: str) -> dict[str, str]:
    meta = Path("mutants") / f"{path}.meta"
    if not meta.exists():
        return {}
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    return {name: status_of(code) for name, code in codes.items()}


def main(names: list[str]) -> int:
    if sorted(configured()) != sorted(MODULES.values()):
        print("MODULES and [tool.mutmut] only_mutate in pyproject.toml differ", file=sys.stderr)
        return 2
    chosen = names or list(MODULES)
    unknown = [n for n in chosen if n not in MODULES]
    if unknown:
        print(f"unknown module(s) {unknown}; choose from {sorted(MODULES)}", file=sys.stderr)
        return 2
    # mutmut keeps results between runs and reuses them while a function's text is
    # unchanged, even when the tests changed: a fresh copy measures the tests as they are.
    shutil.rmtree("mutants", ignore_errors=True)
    started = time.monotonic()
    selection = [] if not names else [f"{module_name(MODULES[n])}.*" for n in chosen]
    run = subprocess.run([MUTMUT, "run", *selection], check=False)
    elapsed = time.monotonic() - started
    if run.returncode != 0:
        print(f"mutmut run failed (exit code {run.returncode})", file=sys.stderr)
        return run.returncode
    lines, survivors, all_killed, all_total = [], [], 0, 0
    for name in chosen:
        found = results(MODULES[name])
        killed = sum(1 for s in found.values() if s in KILLED)
        total = sum(1 for s in found.values() if s in KILLED | SURVIVED)
        unchecked = len(found) - total
        all_killed, all_total = all_killed + killed, all_total + total
        pct = 100 * killed / total if total else 0.0
        note = f"  ({unchecked} not checked)" if unchecked else ""
        typed = sum(1 for s in found.values() if s == "caught by type check")
        by = f"  ({killed - typed} by a test, {typed} by mypy)"
        lines.append(f"{name:16} {killed:4}/{total:<4} killed  {pct:5.1f} %{by}{note}")
        survivors += [f"  {m}  [{s}]" for m, s in sorted(found.items()) if s in SURVIVED]
    print("\nsurviving mutants (.venv/bin/mutmut show <name> for the diff):")
    print("\n".join(survivors) or "  none")
    print(f"\nmutation score (killed or timed out / generated), mutmut run {elapsed:.0f} s:")
    print("\n".join(lines))
    total_pct = 100 * all_killed / all_total if all_total else 0.0
    print(f"{'total':16} {all_killed:4}/{all_total:<4} killed  {total_pct:5.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
