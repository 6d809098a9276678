"""``pancert report --html``: one self-contained page answering "what expires when".

Everything is inline (style, no script, no font, no image), so the file can be mailed or
opened from a share without reaching anything. Every value is escaped and passed through
:func:`pancert.redaction.redact`. On a narrow screen each table row becomes a card, so the
page reads on a phone.
"""

from __future__ import annotations

import datetime as dt
import html
import socket
from dataclasses import dataclass

from pancert import __version__
from pancert.config import LoadedConfig
from pancert.lifecycle.status import StatusRow, status_rows
from pancert.ops.runlog import RunLog, load_runlog
from pancert.redaction import redact

HORIZON_DAYS = 400
"""The timeline's right edge: longer than any public TLS certificate may live (398 days)."""

HEALTH = {
    "ok": ("#2e7d32", "OK"),
    "due": ("#ef6c00", "renewal due"),
    "failed": ("#c62828", "failed"),
    "expired": ("#6a1b1a", "expired"),
    "new": ("#546e7a", "not deployed"),
}

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:12px;
color:#1a1a1a;background:#fafafa}
h1{font-size:1.3rem;margin:0 0 4px}
.meta{color:#555;font-size:.85rem;margin-bottom:12px;overflow-wrap:anywhere}
.summary{display:flex;flex-wrap:wrap;gap:8px;margin-bottom:12px}
.pill{color:#fff;border-radius:12px;padding:2px 10px;font-size:.85rem}
table{border-collapse:collapse;width:100%;background:#fff}
th{background:#1f3a5f;color:#fff;text-align:left;padding:6px;font-size:.85rem}
td{border-bottom:1px solid #ddd;padding:6px;vertical-align:top;font-size:.85rem}
.badge{color:#fff;border-radius:4px;padding:1px 6px;white-space:nowrap}
.bar{position:relative;height:14px;background:#e8eef5;border-radius:3px;min-width:120px}
.bar .fill{position:absolute;left:0;top:0;bottom:0;border-radius:3px}
.bar .window{position:absolute;top:-2px;bottom:-2px;border-left:2px dashed #333}
.err{color:#b71c1c}
.hint{color:#333;font-style:italic}
.lastrun{background:#fff;border:1px solid #ddd;padding:8px;margin-bottom:12px}
h2{font-size:1.1rem;margin:16px 0 6px}
.firewalls{list-style:none;padding:0;margin:0}
.firewalls li{background:#fff;border:1px solid #ddd;padding:6px;margin-bottom:4px;
overflow-wrap:anywhere}
@media (max-width:700px){
 thead{display:none}
 table,tbody,tr,td{display:block;width:auto}
 tr{border:1px solid #ccc;border-radius:6px;margin-bottom:10px;background:#fff}
 td{border:none;padding:4px 8px}
 td::before{content:attr(data-label) ": ";font-weight:600;color:#555}
}
"""


@dataclass(frozen=True)
class Entry:
    row: StatusRow
    health: str
    window_days: int | None
    last_error: str | None
    hint: str | None


def _split_hint(text: str | None) -> tuple[str | None, str | None]:
    if not text:
        return None, None
    for marker in ("; hint: ", " hint: ", "\n  hint: "):
        if marker in text:
            message, hint = text.split(marker, 1)
            return message, hint
    return text, None


def entries(loaded: LoadedConfig, runlog: RunLog, now: dt.datetime) -> list[Entry]:
    found = []
    for row in status_rows(loaded, None, now):
        profile = loaded.profiles.get(row.profile)
        window = profile.expiry_window_days if profile is not None else None
        last = runlog.result_for(row.profile, row.firewall)
        failed = last is not None and last.status in ("failed", "bad-input")
        if failed and last is not None:
            message, hint = _split_hint(last.message)
            hint = last.hint or hint
        elif row.last_error is not None:
            message, hint = row.last_error.message, row.last_error.hint
        else:
            message = hint = None
        if row.not_after is not None and row.not_after <= now:
            health = "expired"
        elif failed:
            health = "failed"
        elif row.object is None:
            health = "new"
        elif row.days_left is not None and window is not None and row.days_left <= window:
            health = "due"
        else:
            health = "ok"
        if hint is None and failed:
            hint = f"next: {row.next_action}"
        found.append(Entry(row, health, window, message, hint))
    order = {"expired": 0, "failed": 1, "due": 2, "new": 3, "ok": 4}
    return sorted(found, key=lambda e: (order[e.health], e.row.days_left or 0, e.row.profile))


def _e(value: object) -> str:
    return html.escape(redact("" if value is None else str(value)))


def _timeline(entry: Entry) -> str:
    days = entry.row.days_left
    if days is None:
        return '<div class="bar" title="expiry unknown"></div>'
    colour = HEALTH[entry.health][0]
    width = max(0.0, min(100.0, 100.0 * days / HORIZON_DAYS))
    window = ""
    if entry.window_days is not None and days > 0:
        left = min(100.0, 100.0 * entry.window_days / HORIZON_DAYS)
        window = f'<span class="window" style="left:{left:.1f}%" title="renewal starts"></span>'
    return (
        f'<div class="bar" title="{days} days left">'
        f'<span class="fill" style="width:{width:.1f}%;background:{colour}"></span>{window}</div>'
    )


def _row(entry: Entry) -> str:
    row = entry.row
    colour, label = HEALTH[entry.health]
    expires = "" if row.not_after is None else f"{row.not_after:%Y-%m-%d %H:%M}"
    error = ""
    if entry.last_error:
        error = f'<div class="err">{_e(entry.last_error)}</div>'
    if entry.hint:
        error += f'<div class="hint">{_e(entry.hint)}</div>'
    cells = [
        ("profile", _e(row.profile)),
        ("firewall", _e(row.firewall)),
        ("object", _e(row.object)),
        ("common name", _e(row.cn)),
        ("expires (UTC)", _e(expires)),
        ("days left", _e(row.days_left)),
        ("timeline", _timeline(entry)),
        (
            "state",
            f'<span class="badge" style="background:{colour}">{_e(label)}</span> {_e(row.state)}',
        ),
        ("next action", _e(row.next_action)),
        ("last error", error),
    ]
    body = "".join(f'<td data-label="{name}">{value}</td>' for name, value in cells)
    return f'<tr class="{entry.health}">{body}</tr>'


def _last_run(runlog: RunLog) -> str:
    if runlog.started_at is None:
        return '<div class="lastrun">No run recorded yet.</div>'
    parts = [
        f"Last run: {runlog.mode} at {runlog.started_at:%Y-%m-%d %H:%M} UTC",
        f"exit code {runlog.exit_code}",
    ]
    if runlog.duration_s is not None:
        parts.append(f"{runlog.duration_s:.0f} s")
    if runlog.last_success_at is not None:
        parts.append(f"last success {runlog.last_success_at:%Y-%m-%d %H:%M} UTC")
    extra = "".join(f'<div class="err">{_e(p)}</div>' for p in runlog.bad_input)
    if runlog.error:
        extra += f'<div class="err">{_e(runlog.error)}</div>'
    return f'<div class="lastrun">{_e(" · ".join(parts))}{extra}</div>'


def _firewalls(loaded: LoadedConfig, found: list[Entry]) -> str:
    """One line per firewall profile, used or not: how many certificates, how many in trouble."""
    items = []
    for name, firewall in sorted(loaded.firewalls.items()):
        mine = [e for e in found if e.row.firewall == name]
        trouble = sum(e.health in ("failed", "expired") for e in mine)
        colour, label = HEALTH["failed" if trouble else ("ok" if mine else "new")]
        text = f"{len(mine)} certificates" + (f", {trouble} failed or expired" if trouble else "")
        items.append(
            f'<li data-firewall="{_e(name)}"><span class="badge" style="background:{colour}">'
            f"{_e(label if mine else 'no certificate')}</span> <b>{_e(name)}</b> "
            f"{_e(firewall.url)} · {_e(text)}</li>"
        )
    return f'<h2>Firewalls</h2><ul class="firewalls">{"".join(items)}</ul>' if items else ""


def render(loaded: LoadedConfig, now: dt.datetime) -> str:
    runlog = load_runlog(loaded.state_path)
    found = entries(loaded, runlog, now)
    counts = {h: sum(e.health == h for e in found) for h in HEALTH}
    pills = "".join(
        f'<span class="pill" style="background:{HEALTH[h][0]}">{n} {_e(HEALTH[h][1])}</span>'
        for h, n in counts.items()
        if n
    )
    heads = (
        "profile", "firewall", "object", "common name", "expires (UTC)", "days left",
        f"timeline (0 to {HORIZON_DAYS} days)", "state", "next action", "last error",
    )  # fmt: skip
    header = "".join(f"<th>{_e(h)}</th>" for h in heads)
    rows = "".join(_row(e) for e in found) or (
        f'<tr><td colspan="{len(heads)}">No certificate profile found.</td></tr>'
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>pancert report — {_e(socket.gethostname())}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>pancert certificates</h1>"
        f'<div class="meta">{_e(socket.gethostname())} · {_e(loaded.config_path)} · '
        f"generated {now:%Y-%m-%d %H:%M} UTC · pancert {_e(__version__)}</div>"
        f'<div class="summary">{pills}</div>'
        f"{_last_run(runlog)}"
        f'<table id="certificates"><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>'
        f"{_firewalls(loaded, found)}"
        "</body></html>\n"
    )
