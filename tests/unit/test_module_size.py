"""A size budget: no module under src/ grows past 400 lines (STYLE.md point 13).

One test for the whole tree: the budget is one rule, and a failure lists every module over it.
"""

from __future__ import annotations

from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
BUDGET = 400


def test_every_module_stays_within_budget() -> None:
    modules = sorted(SRC.rglob("*.py"))
    assert len(modules) > 10, f"no modules found under {SRC}"
    sizes = {p: len(p.read_text(encoding="utf-8").splitlines()) for p in modules}
    over = [f"{p.relative_to(SRC)} has {n} lines" for p, n in sizes.items() if n > BUDGET]
    assert not over, "split these modules: " + "; ".join(over)
