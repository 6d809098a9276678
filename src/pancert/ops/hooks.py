"""The one place a run meets operations: progress while it runs; afterwards the run record,
the metrics textfile and the alerts, whether the run succeeded, failed or raised.

Nothing here may turn a run's result into another one: a failure to write metrics or send
an alert is logged (with its hint) and the run's own exit code stands.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from pancert.commands._exits import for_error
from pancert.errors import LockHeldError, PancertError
from pancert.lifecycle.journal import Journal
from pancert.lifecycle.pair import RunSettings, utcnow
from pancert.ops.progress import Progress
from pancert.ops.runlog import Finished, PairResult, failed_step, record_run
from pancert.redaction import redact

if TYPE_CHECKING:
    from pancert.config import LoadedConfig
    from pancert.lifecycle.outcome import RunReport

log = logging.getLogger("pancert.ops")


class RunObserver:
    """Collects what :func:`observe_run` needs to record when the run is over."""

    def __init__(self, settings: RunSettings) -> None:
        self.settings = settings
        self.report: RunReport | None = None
        self.exit_code: int | None = None

    def finish(self, report: RunReport, exit_code: int) -> None:
        self.report, self.exit_code = report, exit_code


@contextlib.contextmanager
def observe_run(
    loaded: LoadedConfig, names: list[str] | None, settings: RunSettings
) -> Iterator[RunObserver]:
    """Wrap one enroll/renew run (not a dry run): progress on a terminal, then the record."""
    started = utcnow()
    firewalls = {f for p in loaded.select_profiles(names).values() for f in p.firewall_profiles}
    progress = Progress.for_terminal(sys.stderr, loaded.state_path, len(firewalls), started)
    observer = RunObserver(dataclasses.replace(settings, on_firewall_done=progress.firewall_done))
    error: str | None = None
    code: int | None = None
    alert = True
    try:
        with progress:
            yield observer
    except LockHeldError:
        raise  # not a run: another one is in progress and records itself
    except PancertError as exc:
        error, code = _describe(exc), for_error(exc)
        raise
    except KeyboardInterrupt:
        error, code, alert = "interrupted", 130, False  # the person who pressed ^C knows
        raise
    except BaseException as exc:
        error, code = f"internal error: {type(exc).__name__}", 1
        raise
    finally:
        if code is not None or observer.report is not None:
            finished = _finished(
                loaded,
                str(settings.mode),
                observer=observer,
                started=started,
                error=error,
                code=code,
            )
            _after_run(loaded, finished, alert=alert)


def _describe(exc: PancertError) -> str:
    text = str(exc)
    return redact(f"{text}; hint: {exc.hint}" if exc.hint else text)


def _finished(
    loaded: LoadedConfig,
    mode: str,
    *,
    observer: RunObserver,
    started: dt.datetime,
    error: str | None,
    code: int | None,
) -> Finished:
    report = observer.report
    journal = Journal(loaded.state_path)
    pairs = []
    for outcome in report.outcomes if report is not None else []:
        status = str(outcome.status)
        failed = status == "failed"
        pairs.append(
            PairResult(
                profile=outcome.profile,
                firewall=outcome.firewall,
                status=status,
                message=redact(outcome.message),
                hint=redact(outcome.hint) if outcome.hint else None,
                step=failed_step(journal, outcome.profile, outcome.firewall) if failed else None,
            )
        )
    return Finished(
        mode=mode,
        started_at=started,
        finished_at=utcnow(),
        exit_code=code if code is not None else (observer.exit_code or 0),
        pairs=pairs,
        bad_input=[redact(p) for p in report.bad_input] if report is not None else [],
        error=error,
    )


def _after_run(loaded: LoadedConfig, finished: Finished, *, alert: bool) -> None:
    # imported once the run is over: prometheus_client and smtplib stay off the path to
    # the lock, where a slow start lets a concurrent run win it
    from pancert.ops.alerts import send_alerts  # noqa: PLC0415
    from pancert.ops.metrics import write_metrics  # noqa: PLC0415

    try:
        runlog = record_run(loaded.state_path, finished)
    except OSError as exc:
        log.error("cannot record the run in %s: %s", loaded.state_path, exc)
        return
    try:
        path = write_metrics(loaded, finished.finished_at)
        if path is not None:
            log.info("metrics written to %s", path)
    except (OSError, PancertError) as exc:
        log.error(
            "cannot write the metrics file: %s (hint: check pancert_metrics_dir and that "
            "this account may write there)",
            exc,
        )
    if not alert:
        return
    try:
        send_alerts(loaded, runlog, finished.finished_at)
    except PancertError as exc:
        log.error("alerts: %s%s", exc, f" (hint: {exc.hint})" if exc.hint else "")
