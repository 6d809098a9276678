"""The collect schedule: the pure wait function, and a rotation's collects against a CA
that answers "being processed" with a scripted order status (recorded sleeps, no waiting)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pancert.lifecycle.journal import Journal, Step
from pancert.lifecycle.outcome import Status
from pancert.lifecycle.pair import (
    COLLECT_FIRST_RETRY_S,
    COLLECT_ISSUED_RETRY_S,
    COLLECT_MAX_INTERVAL_S,
    collect_retry_wait,
)
from pancert.sandbox.ca import SandboxCA

from .executor_kit import Kit
from .fakes import FakeCA, FakeFirewall


@pytest.mark.parametrize(
    ("previous", "status", "expected"),
    [
        pytest.param(0.0, "Issued", 0.25, id="issued-but-not-downloadable-retries-soon"),
        pytest.param(0.0, " issued ", 0.25, id="status-words-match-any-case-and-spacing"),
        pytest.param(0.25, "Issued", 0.5, id="issued-backs-off-doubling"),
        pytest.param(0.0, "Applied", 5.0, id="not-issued-starts-at-5s"),
        pytest.param(0.0, "Requested", 5.0, id="awaiting-approval-starts-at-5s"),
        pytest.param(0.0, None, 5.0, id="unreadable-status-starts-at-5s"),
        pytest.param(5.0, "Applied", 10.0, id="not-issued-doubles"),
        pytest.param(1.0, "Applied", 5.0, id="issued-then-not-issued-takes-the-slow-start"),
        pytest.param(40.0, "Applied", 60.0, id="capped-at-60s"),
        pytest.param(40.0, "Issued", 60.0, id="issued-capped-at-60s-too"),
    ],
)
def test_collect_retry_wait(previous: float, status: str | None, expected: float) -> None:
    assert collect_retry_wait(previous, status) == expected


def test_issued_retries_never_outpace_the_slow_schedule_once_it_is_reached() -> None:
    waits, step = [], 0.0
    for _ in range(12):
        step = collect_retry_wait(step, "Issued")
        waits.append(step)
    assert waits[:6] == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0]
    assert waits[-1] == COLLECT_MAX_INTERVAL_S
    assert COLLECT_ISSUED_RETRY_S < COLLECT_FIRST_RETRY_S


class Sleeps:
    def __init__(self) -> None:
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)


@pytest.fixture
def kit(tmp_path: Path, sandbox_ca: SandboxCA) -> Kit:
    journal = Journal(tmp_path / "state")
    return Kit(tmp_path, sandbox_ca, FakeFirewall(), FakeCA(sandbox_ca), journal)


def rotate(kit: Kit, answers: list[str | None], **settings: float) -> tuple[Sleeps, Status]:
    kit.ca.answers = list(answers)
    sleeps = Sleeps()
    pair = kit.pair()
    (outcome,) = kit.run([pair], kit.settings(sleep=sleeps, **settings))  # type: ignore[arg-type]
    return sleeps, outcome.status


def test_first_wait_is_sleep_download_then_an_issued_order_is_retried_soon(kit: Kit) -> None:
    sleeps, status = rotate(kit, ["Issued"], sleep_download=2.5, collect_timeout=300)
    assert sleeps.asked == [2.5, 0.25]
    assert kit.ca.calls.count("collect") == 2
    assert status is Status.CONVERGED


def test_an_order_not_yet_issued_keeps_the_slow_start(kit: Kit) -> None:
    answers: list[str | None] = ["Applied", "Applied", "Issued"]
    sleeps, status = rotate(kit, answers, sleep_download=1, collect_timeout=300)
    assert sleeps.asked == [1, 5.0, 10.0, 20.0]
    assert status is Status.CONVERGED


def test_the_waits_stay_within_the_collect_timeout(kit: Kit) -> None:
    sleeps, _ = rotate(kit, ["Applied"] * 10, sleep_download=1, collect_timeout=12)
    assert sleeps.asked == [1, 5.0]  # the next, 10 s, would pass 12 s in all
    record = kit.journal.load(*kit.pair().key)
    assert record is not None
    assert record.rotation is not None
    assert record.rotation.step is Step.ORDERED
