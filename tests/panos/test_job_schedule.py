"""The ``show jobs id`` schedule as a pure function, and ``jobs.wait`` driven by a scripted
job and a recording sleep: which waits it asks for, never how long anything took."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from pancert.panos import jobs
from pancert.panos.errors import CommitFailedError, JobTimeoutError
from pancert.panos.models import JobResult


@pytest.mark.parametrize(
    ("elapsed", "progress", "expected"),
    [
        pytest.param(0.0, 0, 0.5, id="first-wait-after-the-immediate-read"),
        pytest.param(0.5, 0, 0.5, id="doubles-the-elapsed-time-early-on"),
        pytest.param(1.0, 0, 1.0, id="doubles-again"),
        pytest.param(2.0, 0, 2.0, id="two-seconds-at-two"),
        pytest.param(4.0, 0, 3.0, id="then-half-the-elapsed-time-plus-one"),
        pytest.param(7.0, 0, 4.5, id="the-old-x1.5-shape"),
        pytest.param(100.0, 0, 30.0, id="capped-at-30s"),
        pytest.param(0.5, 10, 0.5, id="estimate-later-than-the-schedule-keeps-the-schedule"),
        pytest.param(4.0, 80, 1.0, id="brought-forward-to-the-progress-estimate"),
        pytest.param(4.0, 99, 0.4, id="almost-done-polls-after-a-tenth-of-the-elapsed-time"),
        pytest.param(1.0, 99, 0.25, id="never-under-a-quarter-second"),
        pytest.param(60.0, 99, 2.0, id="never-under-2s-once-the-job-has-run-20s"),
        pytest.param(60.0, 50, 30.0, id="estimate-beyond-the-cap-keeps-the-cap"),
        pytest.param(0.0, 50, 0.5, id="no-elapsed-time-no-estimate"),
        # 1 % after 4 ms: the estimate (99 x 4 ms) comes before the first scheduled read
        pytest.param(0.004, 1, 0.396, id="one-percent-is-an-estimate-too"),
        # PAN-OS shows 100 % a moment before FIN: no estimate, the schedule stands
        pytest.param(10.0, 100, 6.0, id="a-hundred-percent-without-fin-keeps-the-schedule"),
    ],
)
def test_next_poll(elapsed: float, progress: int, expected: float) -> None:
    assert jobs.next_poll(elapsed, progress) == pytest.approx(expected)


def test_a_larger_first_wait_is_kept() -> None:
    assert jobs.next_poll(0.0, 0, first_s=5.0) == 5.0
    assert jobs.next_poll(1.0, 0, first_s=5.0) == 5.0


@pytest.mark.parametrize("elapsed", [0.0, 0.3, 1.0, 5.0, 19.0, 20.0, 45.0, 600.0, 86400.0])
@pytest.mark.parametrize("progress", [0, 1, 5, 50, 90, 99, 100])
def test_every_wait_stays_within_its_limits(elapsed: float, progress: int) -> None:
    wait = jobs.next_poll(elapsed, progress)
    assert jobs.MIN_POLL_S <= wait <= jobs.MAX_POLL_S
    if elapsed >= 20:
        assert wait >= jobs.SETTLED_POLL_S


def polls_for(duration: float, step: float = 0.0) -> tuple[int, float]:
    """Reads of a job whose progress grows linearly and truncates like PAN-OS's integer
    field, each read ``step`` s after it is sent: (reads until FIN, how late the last)."""
    now, reads = 0.0, 0
    while True:
        reads += 1
        if now >= duration:
            return reads, now - duration
        progress = min(99, int(100 * now / duration))
        now += step
        now += jobs.next_poll(now, progress)


@pytest.mark.parametrize(
    ("duration", "most_reads", "latest_s"),
    [
        pytest.param(5.0, 6, 0.5, id="the-bench's-5s-commit"),
        pytest.param(10.0, 7, 0.5, id="10s"),
        pytest.param(45.0, 11, 2.0, id="45s"),
        pytest.param(90.0, 12, 2.0, id="90s-realistic"),
        pytest.param(300.0, 19, 4.0, id="5min"),
    ],
)
def test_a_linear_job_is_seen_soon_after_it_ends_in_few_reads(
    duration: float, most_reads: int, latest_s: float
) -> None:
    for step in (0.0, 0.01, 0.05):
        reads, late = polls_for(duration, step)
        assert reads <= most_reads, (duration, step, reads)
        assert late <= latest_s, (duration, step, late)


class Script:
    """``show jobs id`` answers in order, the last one repeated; every read counted."""

    def __init__(self, *answers: tuple[str, int]) -> None:
        self.answers = itertools.chain(answers, itertools.repeat(answers[-1]))
        self.reads = 0

    async def __call__(self, job_id: int) -> JobResult:
        self.reads += 1
        status, progress = next(self.answers)
        result = "PEND" if status != "FIN" else ("OK" if progress == 100 else "FAIL")
        return JobResult(job_id=job_id, status=status, result=result, progress=progress)


class Sleeps:
    def __init__(self) -> None:
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)


def frozen() -> float:
    return 0.0


def test_wait_reads_at_once_then_follows_the_schedule() -> None:
    script, sleeps = Script(("ACT", 0), ("ACT", 0), ("ACT", 0), ("FIN", 100)), Sleeps()
    job = asyncio.run(jobs.wait(script, 7, 60, sleep=sleeps, clock=frozen))
    assert job.ok
    assert script.reads == 4
    assert sleeps.asked == [0.5, 0.5, 1.0]


def test_wait_uses_the_progress_estimate() -> None:
    script, sleeps = Script(("ACT", 0), ("ACT", 0), ("ACT", 20), ("FIN", 100)), Sleeps()
    asyncio.run(jobs.wait(script, 7, 60, sleep=sleeps, clock=frozen))
    # after 1 s at 20 %: the schedule says 1 s, the estimate 4 s: the schedule wins
    assert sleeps.asked == [0.5, 0.5, 1.0]
    script, sleeps = Script(("ACT", 0), ("ACT", 0), ("ACT", 0), ("ACT", 80), ("FIN", 100)), Sleeps()
    asyncio.run(jobs.wait(script, 7, 60, sleep=sleeps, clock=frozen))
    assert sleeps.asked == [0.5, 0.5, 1.0, 0.5]  # 2 s at 80 %: about 0.5 s left


def test_wait_counts_the_reads_own_time_when_the_clock_is_ahead() -> None:
    ticks = iter([0.0, 10.0, 20.0])

    def clock() -> float:
        return next(ticks)

    script, sleeps = Script(("ACT", 0), ("ACT", 0), ("FIN", 100)), Sleeps()
    asyncio.run(jobs.wait(script, 7, 60, sleep=sleeps, clock=clock))
    assert sleeps.asked == [6.0, 11.0]  # 10 s and 20 s since the first read


def test_wait_times_out_on_the_time_slept() -> None:
    script, sleeps = Script(("ACT", 0)), Sleeps()
    with pytest.raises(JobTimeoutError):
        asyncio.run(jobs.wait(script, 7, 10, sleep=sleeps, clock=frozen))
    assert sum(sleeps.asked) <= 10
    assert sleeps.asked == [0.5, 0.5, 1.0, 2.0, 3.0]


def test_a_failed_job_raises_with_its_id() -> None:
    script, sleeps = Script(("ACT", 0), ("FIN", 0)), Sleeps()
    with pytest.raises(CommitFailedError):
        asyncio.run(jobs.wait(script, 7, 60, sleep=sleeps, clock=frozen))
