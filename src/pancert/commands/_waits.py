"""``PANCERT_TEST_WAIT_SCALE``: how the end-to-end tests shorten pancert's own waits.

The tests drive the real CLI against the sandbox, which answers as SCM and PAN-OS do, so
pancert waits as it would in the field: 5 s after SCM's "being processed" before collecting
again, then doubling (README, "Configuration"); the commit-job polling schedule
(``pancert/panos/jobs.py``). Scaling every such sleep by one factor keeps the schedule — the
same calls in the same order, and the same budgets, which count nominal seconds — without the
suite sitting idle. Unset, as in production, nothing is scaled; a value outside (0, 1] is
ignored, so the knob can only ever shorten a wait, never lengthen or remove one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

ENV = "PANCERT_TEST_WAIT_SCALE"

Sleep = Callable[[float], Awaitable[None]]


def scale_from(environ: Mapping[str, str]) -> float | None:
    """The factor ``environ`` asks for, or None (unset, unreadable, or not in (0, 1])."""
    try:
        scale = float(environ.get(ENV, ""))
    except ValueError:
        return None
    return scale if 0.0 < scale <= 1.0 else None


def scaled_sleep(environ: Mapping[str, str]) -> Sleep | None:
    """A sleep of ``scale`` times the nominal seconds, or None for the real ``asyncio.sleep``."""
    scale = scale_from(environ)
    if scale is None:
        return None

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(seconds * scale)

    return sleep
