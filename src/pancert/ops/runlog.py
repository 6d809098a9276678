"""The record of the last enroll/renew run, kept in the state folder for metrics and alerts.

``ops/last-run.json`` holds when the last run started and ended, its exit code, when a run
last succeeded, each pair's outcome and the cumulative count of failures by step (a
Prometheus counter must survive between runs, and a textfile has no process to keep it in).
It is written atomically after every run, success or failure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pancert.errors import PancertError
from pancert.fileio import atomic_write
from pancert.lifecycle.journal import Journal, Step

RUNLOG_FILE = Path("ops") / "last-run.json"

# The step a failure happened in, named after what the pair was about to do (the journal
# records each step before its side effect, so the in-flight step names the failing call).
_FAILED_STEP = {
    Step.CSR_INTENT: "generate",
    Step.CSR_ON_DEVICE: "order",
    Step.ORDER_INTENT: "order",
    Step.ORDERED: "collect",
    Step.ISSUED: "install",
    Step.IMPORTED: "commit",
    Step.DEPLOYED: "firewall",
}
STEPS = ("config", "firewall", "generate", "order", "collect", "install", "commit", "internal")
"""Every step label ``pancert_run_errors_total`` may carry (all exported, zero or not)."""


class PairResult(BaseModel):
    model_config = ConfigDict(extra="ignore")

    profile: str
    firewall: str
    status: str
    message: str = ""
    hint: str | None = None
    step: str | None = None


class RunLog(BaseModel):
    model_config = ConfigDict(extra="ignore")

    mode: str = "renew"
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    exit_code: int | None = None
    last_success_at: dt.datetime | None = None
    error: str | None = None
    """A failure of the whole run (no per-pair outcome), with its hint."""
    bad_input: list[str] = Field(default_factory=list)
    pairs: list[PairResult] = Field(default_factory=list)
    errors_total: dict[str, int] = Field(default_factory=dict)

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def succeeded(self) -> bool:
        return self.exit_code == 0

    def result_for(self, profile: str, firewall: str) -> PairResult | None:
        return next((p for p in self.pairs if (p.profile, p.firewall) == (profile, firewall)), None)


def load_runlog(state_path: Path) -> RunLog:
    """The last run's record; an empty one when none (or an unreadable one) exists."""
    try:
        return RunLog.model_validate_json((state_path / RUNLOG_FILE).read_bytes())
    except (FileNotFoundError, ValidationError):
        return RunLog()


def failed_step(journal: Journal, profile: str, firewall: str) -> str:
    try:
        record = journal.load(profile, firewall)
    except PancertError:
        return "internal"  # an unreadable record: the run's own error says which
    if record is None or record.rotation is None or not record.in_flight:
        return "firewall"
    return _FAILED_STEP.get(record.rotation.step, "firewall")


@dataclass(frozen=True)
class Finished:
    """What the command layer knows once a run is over (see :func:`record_run`)."""

    mode: str
    started_at: dt.datetime
    finished_at: dt.datetime
    exit_code: int
    pairs: list[PairResult]
    bad_input: list[str]
    error: str | None = None


def record_run(state_path: Path, finished: Finished) -> RunLog:
    previous = load_runlog(state_path)
    errors = {step: previous.errors_total.get(step, 0) for step in STEPS}
    for step in _error_steps(finished):
        errors[step] = errors.get(step, 0) + 1
    log = RunLog(
        mode=finished.mode,
        started_at=finished.started_at,
        finished_at=finished.finished_at,
        exit_code=finished.exit_code,
        last_success_at=(
            finished.finished_at if finished.exit_code == 0 else previous.last_success_at
        ),
        error=finished.error,
        bad_input=finished.bad_input,
        pairs=finished.pairs,
        errors_total=errors,
    )
    atomic_write(state_path / RUNLOG_FILE, log.model_dump_json(indent=2), mode=0o644)
    return log


def _error_steps(finished: Finished) -> Iterable[str]:
    if finished.bad_input:
        yield "config"
    for pair in finished.pairs:
        if pair.status == "failed":
            yield pair.step or "firewall"
        elif pair.status == "bad-input":
            yield "config"
    if finished.error is not None and not finished.pairs:
        yield "config" if finished.exit_code == 2 else "internal"
