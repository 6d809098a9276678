"""A size budget: no module under src/ grows past 400 lines (STYLE.md point 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
BUDGET = 400
MODULES = sorted(SRC.rglob("*.py"))


def test_there_are_modules_to_measure() -> None:
    assert len(MODULES) > 10


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_module_stays_within_budget(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= BUDGET, f"{path.relative_to(SRC)} has {lines} lines; split it"
