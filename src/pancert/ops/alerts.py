"""Which alerts a finished run raises, and sending each at most once a day per channel.

Raised: a failed run (exit code not 0: the failing pairs, bad input, or the run's own error,
each with its hint); a certificate within ``pancert_alert_window`` days of expiry (or past
it), which means no renewal has succeeded in time; and, with ``pancert_alert_on_success``, a
run that ended with exit code 0. An alert whose key was delivered on a channel today (UTC) is
not sent there again; ``ops/alerts-sent.json`` in the state folder remembers, so cron runs
twice a day do not page twice for the same thing. A channel that fails after its retries is
logged and tried again on the next run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import socket
from collections.abc import Callable
from pathlib import Path

from pancert.config import LoadedConfig
from pancert.fileio import atomic_write
from pancert.lifecycle.status import status_rows
from pancert.ops.channels import (
    Alert,
    AlertError,
    Channel,
    EmailChannel,
    WebhookChannel,
    deliver,
    tls_context,
)
from pancert.ops.runlog import RunLog
from pancert.redaction import redact

SENT_FILE = Path("ops") / "alerts-sent.json"
log = logging.getLogger("pancert.alerts")
_PROBLEMS = ("failed", "bad-input", "reported", "pending")


def channels_for(loaded: LoadedConfig) -> list[Channel]:
    app = loaded.app
    found: list[Channel] = []
    if app.alert_email_to and app.alert_smtp_host:
        found.append(
            EmailChannel(
                host=app.alert_smtp_host,
                port=app.alert_smtp_port,
                sender=app.alert_email_from or f"pancert@{socket.getfqdn()}",
                recipients=app.alert_email_to,
                user=app.alert_smtp_user,
                password=(
                    app.alert_smtp_password.get_secret_value()
                    if app.alert_smtp_password is not None
                    else None
                ),
                context=tls_context(app.alert_ca_bundle),
            )
        )
    if app.alert_webhook_url is not None:
        found.append(
            WebhookChannel(
                app.alert_webhook_url.get_secret_value(), tls_context(app.alert_ca_bundle)
            )
        )
    return found


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()[:16]


def alerts_for(loaded: LoadedConfig, runlog: RunLog, now: dt.datetime) -> list[Alert]:
    host = socket.gethostname()
    found = []
    if runlog.exit_code not in (None, 0):
        lines = [f"bad input: {p}" for p in runlog.bad_input]
        lines += [
            f"{p.profile} on {p.firewall}: {p.status}"
            + (f" at {p.step}" if p.step else "")
            + f": {p.message}"
            + (f" (hint: {p.hint})" if p.hint else "")
            for p in runlog.pairs
            if p.status in _PROBLEMS
        ]
        if runlog.error:
            lines.append(f"run: {runlog.error}")
        lines.append(f"exit code {runlog.exit_code}; details: `pancert status`, pancert's log")
        # the same things failing the same way, not the same wording (messages carry ids)
        what = [
            f"{p.profile}@{p.firewall}:{p.status}:{p.step}"
            for p in runlog.pairs
            if p.status in _PROBLEMS
        ]
        what += [*runlog.bad_input, runlog.error or ""]
        found.append(
            Alert(
                kind="failure",
                key=f"failure:{_digest(what)}",
                subject=f"pancert on {host}: {runlog.mode} failed (exit {runlog.exit_code})",
                lines=tuple(lines),
                host=host,
            )
        )
    window = dt.timedelta(days=loaded.app.alert_window_days)
    for row in status_rows(loaded, None, now):
        if row.not_after is None or row.not_after - now > window:
            continue
        if row.profile not in loaded.profiles:
            continue  # orphaned: reported by every run, not pancert's to renew any more
        left = row.not_after - now
        when = "expired" if left.total_seconds() <= 0 else f"expires in {left.days} days"
        lines = [
            f"{row.profile} on {row.firewall}: {row.object} ({row.cn}) {when}, "
            f"on {row.not_after:%Y-%m-%d %H:%M} UTC, and no renewal has succeeded",
            f"state {row.state}; next: {row.next_action}",
        ]
        if row.last_error is not None:
            hint = f" (hint: {row.last_error.hint})" if row.last_error.hint else ""
            lines.append(f"last error: {row.last_error.message}{hint}")
        found.append(
            Alert(
                kind="expiring",
                key=f"expiring:{row.profile}@{row.firewall}:{row.not_after:%Y%m%d%H%M}",
                subject=f"pancert on {host}: {row.profile} on {row.firewall} {when}",
                lines=tuple(lines),
                host=host,
            )
        )
    if loaded.app.alert_on_success and runlog.exit_code == 0:
        done = [f"{p.profile} on {p.firewall}: {p.status}: {p.message}" for p in runlog.pairs]
        # a run that changed nothing says so once a day; each new rotation says so again
        rotated = [f"{p.profile}@{p.firewall}" for p in runlog.pairs if p.status == "converged"]
        found.append(
            Alert(
                kind="success",
                key=f"success:{_digest(rotated)}",
                subject=f"pancert on {host}: {runlog.mode} succeeded",
                lines=tuple(done or ["nothing selected"]),
                host=host,
            )
        )
    return found


def _load_sent(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def send_alerts(
    loaded: LoadedConfig,
    runlog: RunLog,
    now: dt.datetime,
    sleep: Callable[[float], None] | None = None,
) -> list[tuple[str, Alert]]:
    """Send what this run raises; returns (channel, alert) for each delivery made.

    Raises :class:`AlertError` (after trying every channel and alert) when any failed.
    """
    channels = channels_for(loaded)
    if not channels:
        return []
    path = loaded.state_path / SENT_FILE
    today = now.date().isoformat()
    sent = {k: v for k, v in _load_sent(path).items() if v == today}
    delivered: list[tuple[str, Alert]] = []
    failures: list[str] = []
    for alert in alerts_for(loaded, runlog, now):
        for channel in channels:
            mark = f"{channel.name}:{alert.key}"
            if sent.get(mark) == today:
                continue
            try:
                if sleep is None:
                    deliver(channel, alert, loaded.app.alert_retries)
                else:
                    deliver(channel, alert, loaded.app.alert_retries, sleep)
            except AlertError as exc:
                failures.append(str(exc))
                continue
            sent[mark] = today
            delivered.append((channel.name, alert))
            log.info("alert sent by %s: %s", channel.name, redact(alert.subject))
            # remembered at once: a crash later must not send this one again today
            atomic_write(path, json.dumps(sent, indent=2, sort_keys=True), mode=0o644)
    if failures:
        error = AlertError("; ".join(dict.fromkeys(failures)))
        error.hint = (
            "check the pancert_alert_* keys in config.yaml and that the relay or webhook is "
            "reachable; the next run tries again"
        )
        raise error
    return delivered
