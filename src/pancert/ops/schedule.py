"""What ``pancert schedule`` writes: a systemd service and timer, or a crontab line.

The timer follows Debian's certbot.timer (twice a day, ``RandomizedDelaySec``,
``Persistent=true``; /lib/systemd/system/certbot.timer in Debian's certbot package) so a
fleet of agents does not hit SCM at the same second and a machine that was off catches up.
The service is a oneshot with the hardening of systemd.exec(5) that a network client with a
state folder tolerates: read-only system, private /tmp and devices, no new privileges, no
capabilities, IPv4/IPv6/Unix sockets only, native system calls of @system-service. User
units get the subset an unprivileged service manager can apply (seccomp-based options).
Without systemd, a crontab line at a minute and hours picked once at random does the same.
"""

from __future__ import annotations

import random
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

UNIT = "pancert"
CRON_MARK = "# pancert schedule (managed by `pancert schedule`)"
SYSTEM_UNIT_DIR = Path("/etc/systemd/system")
USER_UNIT_DIR = Path(".config/systemd/user")
"""Under the user's home."""

TIMER = """\
[Unit]
Description=Run pancert renew twice a day
Documentation=man:systemd.timer(5)

[Timer]
OnCalendar=*-*-* 00,12:00:00
RandomizedDelaySec=1h
Persistent=true

[Install]
WantedBy=timers.target
"""

_SYSTEM_HARDENING = """\
NoNewPrivileges=yes
CapabilityBoundingSet=
AmbientCapabilities=
PrivateTmp=yes
PrivateDevices=yes
ProtectSystem=strict
ProtectHome=read-only
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictNamespaces=yes
RestrictSUIDSGID=yes
"""

_COMMON_HARDENING = """\
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictRealtime=yes
LockPersonality=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM
UMask=0077
"""


@dataclass(frozen=True)
class Job:
    """What to run and which folders it writes."""

    command: list[str]
    """The absolute pancert command line, ``--config`` included."""
    writable: tuple[Path, ...]
    """State, log and metrics folders (and the GnuPG home): the only places it writes."""
    account: str | None = None
    """``User=`` of a system unit; None for a user unit."""


def service_unit(job: Job, *, user: bool) -> str:
    lines = [
        "[Unit]",
        "Description=pancert: renew firewall certificates",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
        f"ExecStart={' '.join(_quote(part) for part in job.command)}",
    ]
    if job.account is not None and not user:
        lines += [f"User={job.account}", f"Group={job.account}"]
    # exit 3 means another run holds the lock: the timer's next run will do the work
    lines.append("SuccessExitStatus=3")
    if not user:
        lines.append(_SYSTEM_HARDENING.rstrip("\n"))
        folders = sorted({str(p) for p in job.writable})
        if folders:
            lines.append("ReadWritePaths=" + " ".join(f"-{_quote(f)}" for f in folders))
    lines.append(_COMMON_HARDENING.rstrip("\n"))
    return "\n".join(lines) + "\n"


def _quote(part: str) -> str:
    """systemd's ExecStart quoting: double quotes, backslash escapes, ``%`` doubled."""
    text = part.replace("%", "%%")
    if text and all(c.isalnum() or c in "/._-=:+@," for c in text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unit_dir(*, user: bool, root: Path | None, home: Path) -> Path:
    if user:
        base = home / USER_UNIT_DIR
        return base if root is None else root / base.relative_to(base.anchor)
    return SYSTEM_UNIT_DIR if root is None else root / SYSTEM_UNIT_DIR.relative_to("/")


def unit_files(folder: Path) -> tuple[Path, Path]:
    return folder / f"{UNIT}.service", folder / f"{UNIT}.timer"


def cron_line(job: Job, rng: random.Random | None = None) -> str:
    """A line at a random minute and two hours twelve apart, picked once per machine."""
    pick = rng or random.SystemRandom()
    minute, hour = pick.randrange(60), pick.randrange(12)
    command = " ".join(shlex.quote(part) for part in job.command).replace("%", "\\%")
    return f"{minute} {hour},{hour + 12} * * * {command} >/dev/null 2>&1 {CRON_MARK}"


def without_managed(lines: Iterable[str]) -> list[str]:
    return [line for line in lines if CRON_MARK not in line]


def managed(lines: Iterable[str]) -> list[str]:
    return [line for line in lines if CRON_MARK in line]
