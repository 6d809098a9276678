"""Waiting for a PAN-OS job (panos.md §7): the polling schedule and what ends the wait."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from pancert.panos.errors import (
    CommitFailedError,
    JobTimeoutError,
    PanosTransportError,
    TlsIdentityError,
)
from pancert.panos.models import JobResult

Sleep = Callable[[float], Awaitable[None]]


FIRST_POLL_S = 0.5
"""The first wait after the immediate read that follows the commit."""
MIN_POLL_S = 0.25
"""The shortest wait ever, even when the job's progress says it is about to end."""
SETTLED_POLL_S = 2.0
"""pango (PANGO client.go, docs/reference/panos.md §7) warns that polling faster than about
2 s can slow a job: once a job has run 20 s, polls are never closer than this."""
MAX_POLL_S = 30.0


async def wait(
    read: Callable[[int], Awaitable[JobResult]],
    job_id: int,
    timeout_s: float,
    *,
    first_delay_s: float = FIRST_POLL_S,
    sleep: Sleep = asyncio.sleep,
    rotating: Callable[[], bool] = lambda: False,
    clock: Callable[[], float] = time.monotonic,
) -> JobResult:
    """Read ``show jobs id`` at once, then on :func:`next_poll`'s schedule, until FIN; then
    check ``result`` (a FAIL raises :class:`CommitFailedError` with the job's detail lines).
    ``timeout_s`` bounds the total time slept between polls. While ``rotating()`` (the
    commit gives the management interface a new certificate, so its web server restarts),
    a dropped connection is one more poll, not a failure."""
    first, waited, started = max(first_delay_s, MIN_POLL_S), 0.0, clock()
    while True:
        try:
            result = await read(job_id)
        except PanosTransportError as exc:
            if not rotating() or isinstance(exc, TlsIdentityError):
                raise
            progress = 0  # the web server is restarting: the job's progress is unknown
        else:
            if result.finished:
                if not result.ok:
                    raise CommitFailedError(job_id, result.details)
                return result
            progress = result.progress
        # the clock counts the reads' own round trips too; the sum of sleeps is what a
        # test's instant sleep advances
        wait_s = next_poll(max(waited, clock() - started), progress, first_s=first)
        if waited + wait_s > timeout_s:
            raise JobTimeoutError(job_id, waited)
        await sleep(wait_s)
        waited += wait_s


def next_poll(elapsed: float, progress: int, *, first_s: float = FIRST_POLL_S) -> float:
    """Seconds from a read of an unfinished job (``elapsed`` s after the first) to the next.

    The waits double from ``first_s`` (0.5, 0.5, 1, 2 s: a short job is seen soon after it
    ends), then grow by half (elapsed / 2 + 1 s: reads at 4, 7, 11.5, 18.25 s …), at most
    30 s, so a job of tens of seconds costs about a dozen reads (11 for 45 s, 12 for 90 s;
    tests/panos/test_job_schedule.py). A wait is brought forward to when the job's own
    progress says it ends, elapsed x (100 - progress) / progress, but never below a tenth
    of the elapsed time within [0.25 s, 2 s]: a job that sits at 99 % is read at most every
    2 s once it has run 20 s."""
    scheduled = max(first_s, min(elapsed, elapsed / 2 + SETTLED_POLL_S / 2))
    if 0 < progress < 100 and elapsed > 0:
        scheduled = min(scheduled, elapsed * (100 - progress) / progress)
    floor = max(MIN_POLL_S, min(SETTLED_POLL_S, elapsed / 10))
    return min(MAX_POLL_S, max(floor, scheduled))
