"""Commit jobs of a sandbox firewall and their ``show jobs`` XML (panos.md §7).

Jobs run one at a time in the order they were enqueued: a commit asked for while another
runs waits its turn (``status`` PEND, ``queued`` YES, ``positionInQ`` > 0) instead of being
refused, unless the switch ``queue_commits`` is off. Time fields follow the samples
(panos-samples/show-jobs-*.xml: ``tenq`` ``2018/06/12 04:36:45``, ``tdeq`` ``04:36:45``) and,
for ``tfin``, the full timestamp a current firewall prints
(https://github.com/PaloAltoNetworks/pan-os-python/pull/625: ``2026/07/21 16:48:32``); the
switch ``tfin_time_only`` gives the samples' older ``04:36:57``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from lxml import etree

from pancert.sandbox.firewall.changes import Change
from pancert.sandbox.firewall.replies import element

_DAY = "%Y/%m/%d %H:%M:%S"
_CLOCK = "%H:%M:%S"


@dataclass
class Job:
    id: int
    user: str
    description: str
    partial: bool
    enqueued: float
    """Wall-clock time the commit was asked for."""
    start: float
    """When it leaves the queue (the previous job's end, or ``enqueued``)."""
    duration: float
    candidate: etree._Element | None
    """A full commit's candidate as it was when asked; None for a partial commit, whose
    changes are replayed onto the running configuration when the job runs."""
    changes: list[Change]
    forced_failure: bool = False
    problems: list[str] = field(default_factory=list)
    snapshot: etree._Element | None = None
    finished: bool = False

    @property
    def end(self) -> float:
        return self.start + self.duration

    @property
    def result(self) -> str:
        return "FAIL" if self.problems else "OK"


def _stamp(seconds: float, fmt: str) -> str:
    return time.strftime(fmt, time.localtime(seconds))


def job_element(job: Job, now: float, ahead: int, *, tfin_time_only: bool) -> etree._Element:
    """One ``<job>`` as ``show jobs id N`` and ``show jobs all`` print it."""
    if job.finished:
        status, result, progress = "FIN", job.result, "100"
    elif now < job.start:
        status, result, progress = "PEND", "PEND", "0"
    else:
        status, result = "ACT", "PEND"
        progress = str(min(99, int(100 * (now - job.start) / max(job.duration, 1e-6))))
    if status == "FIN":
        tfin = _stamp(job.end, _CLOCK if tfin_time_only else _DAY)
    else:
        tfin = "Still Active"
    details = element("details")
    if status == "FIN":
        for line in job.problems or ["Configuration committed successfully"]:
            details.append(element("line", line))
    return element(
        "job",
        None,
        element("tenq", _stamp(job.enqueued, _DAY)),
        element("tdeq", _stamp(job.start, _CLOCK) if now >= job.start else "N/A"),
        element("id", str(job.id)),
        element("user", job.user),
        element("type", "Commit"),
        element("status", status),
        element("queued", "YES" if status == "PEND" else "NO"),
        element("stoppable", "no"),
        element("result", result),
        element("tfin", tfin),
        element("description", job.description),
        element("positionInQ", str(ahead) if status == "PEND" else "0"),
        element("progress", progress),
        details,
        element("warnings"),
    )
