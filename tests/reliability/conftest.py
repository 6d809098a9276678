"""Counting for the reliability suite's one summary line.

A case reports what it exercised through the ``tally`` fixture (a category and a count) and
every invariant violation through ``tally.violations``. The numbers travel as the test
report's ``user_properties``, so they add up the same under pytest-xdist, and
``pytest_terminal_summary`` prints::

    reliability: faults=N crashes=N bad_inputs=N secret_scans=N ownership=N hostile_files=N
        soak_runs=N violations=V

A failed case that found invariant violations counts them before failing, so V > 0 whenever
an invariant broke (and pytest's exit status says the run failed).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from .harness import Case

CATEGORIES = (
    "faults",
    "crashes",
    "bad_inputs",
    "secret_scans",
    "ownership",
    "hostile_files",
    "soak_runs",
    "violations",
)
_PROPERTY = "reliability"
_totals: Counter[str] = Counter()


class Tally:
    def __init__(self, node: pytest.Item) -> None:
        self._node = node

    def count(self, category: str, n: int = 1) -> None:
        assert category in CATEGORIES, category
        self._node.user_properties.append((_PROPERTY, (category, n)))

    def violations(self, problems: list[str]) -> None:
        """Count invariant violations, then fail the case with all of them."""
        if problems:
            self.count("violations", len(problems))
        assert not problems, "\n".join(problems)


@pytest.fixture
def tally(request: pytest.FixtureRequest) -> Tally:
    assert isinstance(request.node, pytest.Item)
    return Tally(request.node)


@pytest.fixture
def case(tmp_path: Path) -> Iterator[Case]:
    started = Case.start(tmp_path)
    try:
        yield started
    finally:
        started.stop()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call":
        return
    for name, value in report.user_properties:
        if name == _PROPERTY:
            category, n = cast(tuple[str, int], value)
            _totals[category] += n


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the line, or write it to ``$PANCERT_RELIABILITY_SUMMARY`` so that ``make
    reliability`` can print it last, after pytest's own closing line."""
    if not any(_totals.values()):
        return
    figures = " ".join(f"{c}={_totals[c]}" for c in CATEGORIES)
    line = f"reliability: {figures}"
    target = os.environ.get("PANCERT_RELIABILITY_SUMMARY")
    if target:
        Path(target).write_text(line + "\n")
    else:
        terminalreporter.write_line(line)
