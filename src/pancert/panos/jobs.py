"""Waiting for a PAN-OS job (panos.md §7): the polling schedule and what ends the wait."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from pancert.panos.errors import (
    CommitFailedError,
    JobTimeoutError,
    PanosTransportError,
    TlsIdentityError,
)
from pancert.panos.models import JobResult

Sleep = Callable[[float], Awaitable[None]]


async def wait(
    read: Callable[[int], Awaitable[JobResult]],
    job_id: int,
    timeout_s: float,
    *,
    first_delay_s: float = 2.0,
    sleep: Sleep = asyncio.sleep,
    rotating: Callable[[], bool] = lambda: False,
) -> JobResult:
    """Poll ``show jobs id`` ≥ 2 s apart, times 1.5 up to 30 s, until FIN, then check
    ``result`` (a FAIL raises :class:`CommitFailedError` with the job's detail lines).
    ``timeout_s`` bounds the total time slept between polls. While ``rotating()`` (the
    commit gives the management interface a new certificate, so its web server restarts),
    a dropped connection is one more poll, not a failure."""
    delay, waited = max(first_delay_s, 2.0), 0.0
    while True:
        try:
            result = await read(job_id)
        except PanosTransportError as exc:
            if not rotating() or isinstance(exc, TlsIdentityError):
                raise
            result = JobResult(job_id=job_id, status="ACT", result="PEND", progress=0)
        if result.finished:
            if not result.ok:
                raise CommitFailedError(job_id, result.details)
            return result
        wait_s = next_poll(delay, waited, result.progress)
        if waited + wait_s > timeout_s:
            raise JobTimeoutError(job_id, waited)
        await sleep(wait_s)
        waited += wait_s
        delay = min(delay * 1.5, 30.0)


def next_poll(scheduled: float, waited: float, progress: int) -> float:
    """The x1.5 schedule, brought forward to when the job's own progress says it will end
    (a 10 s commit is then seen at about 10 s, not at 16), never closer than 2 s."""
    if 0 < progress < 100 and waited > 0:
        expected = waited * (100 - progress) / progress
        return max(2.0, min(scheduled, expected))
    return scheduled
