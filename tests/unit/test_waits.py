"""The test-only wait scale: absent in production (real sleeps), and only ever shortening."""

from __future__ import annotations

import asyncio

import pytest

from pancert.commands._waits import ENV, scale_from, scaled_sleep
from pancert.lifecycle.pair import collect_retry_wait


def test_without_the_variable_pancert_sleeps_for_real() -> None:
    assert scale_from({}) is None
    assert scaled_sleep({}) is None  # RunSettings.sleep None: asyncio.sleep, nominal seconds


@pytest.mark.parametrize("raw", ["", "x", "0", "-0.5", "1.5", "nan", "inf"])
def test_a_value_that_would_not_shorten_every_wait_is_ignored(raw: str) -> None:
    assert scale_from({ENV: raw}) is None
    assert scaled_sleep({ENV: raw}) is None


def test_a_scale_divides_each_nominal_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("pancert.commands._waits.asyncio.sleep", record)
    sleep = scaled_sleep({ENV: "0.02"})
    assert sleep is not None

    async def three() -> None:
        for nominal in (5.0, 10.0, 2.0):
            await sleep(nominal)

    asyncio.run(three())
    assert slept == pytest.approx([0.1, 0.2, 0.04])


def test_the_collect_schedule_scaled_sleeps_follow_is_the_documented_one() -> None:
    """What the e2e tests shorten: after "being processed", 5 s doubling up to 60 s for an
    order not yet issued, 0.25 s doubling for one SCM reads Issued (README, "Configuration");
    tests/lifecycle/test_collect_schedule.py covers the budget."""
    waits, previous = [], 0.0
    for _ in range(6):
        previous = collect_retry_wait(previous, "Applied")
        waits.append(previous)
    assert waits == [5, 10, 20, 40, 60, 60]
    assert collect_retry_wait(0.0, "Issued") == 0.25
    assert collect_retry_wait(0.25, "Issued") == 0.5
