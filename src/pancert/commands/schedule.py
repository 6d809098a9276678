"""``pancert schedule install|uninstall|show [--user] [--cron]``: run ``renew`` twice a day
from a systemd timer, or from cron where systemd is not running."""

from __future__ import annotations

import argparse
import getpass
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pancert import status_codes

if TYPE_CHECKING:
    from pancert.config import LoadedConfig
    from pancert.ops.schedule import Job

NAME = "schedule"
HELP = "install, remove or show the systemd timer (or crontab line) that runs renew"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("install", "uninstall", "show"))
    parser.add_argument(
        "--user", action="store_true", help="a systemd user unit (~/.config/systemd/user)"
    )
    parser.add_argument(
        "--cron", action="store_true", help="a crontab line even where systemd runs"
    )
    parser.add_argument(
        "--account",
        metavar="USER",
        help="the account a system unit runs as (default: pancert if it exists, else you)",
    )
    parser.add_argument(
        "--root",
        metavar="DIR",
        type=Path,
        help="write the units under DIR as if it were / and enable nothing (for images)",
    )
    parser.add_argument(
        "--crontab-file",
        metavar="FILE",
        type=Path,
        help="edit FILE instead of the account's crontab (e.g. /etc/cron.d/pancert)",
    )


def _systemd_running() -> bool:
    return Path("/run/systemd/system").is_dir()  # sd_booted(3)


def _pancert_command(loaded: LoadedConfig) -> list[str]:
    argv0 = Path(sys.argv[0])
    found = str(argv0) if argv0.name == "pancert" and argv0.is_file() else shutil.which("pancert")
    base = [found] if found else [sys.executable, "-m", "pancert"]
    return [str(Path(base[0]).absolute()), *base[1:], "--config", str(loaded.config_path), "renew"]


def _default_account() -> str:
    import pwd

    try:
        pwd.getpwnam("pancert")
    except KeyError:
        return os.environ.get("SUDO_USER") or getpass.getuser()
    return "pancert"


def _job(loaded: LoadedConfig, args: argparse.Namespace) -> Job:
    from pancert.ops.metrics import metrics_folder
    from pancert.ops.schedule import Job

    app = loaded.app
    writable = [app.state_path, app.log_path]
    for extra in (metrics_folder(loaded), app.gnupg_home):
        if extra is not None:
            writable.append(extra)
    account = None if args.user else (args.account or _default_account())
    return Job(_pancert_command(loaded), tuple(writable), account)


def _systemctl(user: bool, *words: str) -> bool:
    command = ["systemctl", *(["--user"] if user else []), *words]
    if shutil.which("systemctl") is None:
        print(f"run: {' '.join(command)}")
        return False
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"pancert: `{' '.join(command)}` failed: {done.stderr.strip()}", file=sys.stderr)
        return False
    return True


def run(args: argparse.Namespace) -> int:
    from pancert.config import load_config

    loaded = load_config(getattr(args, "config", None))
    use_cron = args.cron or args.crontab_file is not None
    if not use_cron and args.root is None and not _systemd_running():
        use_cron = True
        print("pancert: systemd is not running here: using cron", file=sys.stderr)
    job = _job(loaded, args)
    if use_cron:
        return _cron(args, job)
    return _units(args, job)


def _units(args: argparse.Namespace, job: Job) -> int:
    from pancert.fileio import atomic_write
    from pancert.ops.schedule import TIMER, service_unit, unit_dir, unit_files

    folder = unit_dir(user=args.user, root=args.root, home=Path.home())
    service, timer = unit_files(folder)
    enable = args.root is None
    if args.action == "show":
        for path, text in ((service, service_unit(job, user=args.user)), (timer, TIMER)):
            state = "installed" if path.is_file() else "not installed; would write"
            print(f"# {path} ({state})")
            print(path.read_text() if path.is_file() else text)
        if enable and timer.is_file():
            _systemctl(args.user, "list-timers", timer.name, "--no-pager")
        return status_codes.CONVERGED
    if args.action == "install":
        atomic_write(service, service_unit(job, user=args.user), mode=0o644)
        atomic_write(timer, TIMER, mode=0o644)
        print(f"wrote {service}\nwrote {timer}")
        if enable and not (
            _systemctl(args.user, "daemon-reload")
            and _systemctl(args.user, "enable", "--now", timer.name)
        ):
            return status_codes.FAILED
        return status_codes.CONVERGED
    if enable and timer.is_file():
        _systemctl(args.user, "disable", "--now", timer.name)
    for path in (timer, service):
        if path.is_file():
            path.unlink()
            print(f"removed {path}")
    if enable:
        _systemctl(args.user, "daemon-reload")
    return status_codes.CONVERGED


def _read_crontab(args: argparse.Namespace) -> list[str] | None:
    if args.crontab_file is not None:
        path: Path = args.crontab_file
        return path.read_text().splitlines() if path.is_file() else []
    if shutil.which("crontab") is None:
        return None
    done = subprocess.run(["crontab", "-l"], check=False, capture_output=True, text=True)
    return done.stdout.splitlines() if done.returncode == 0 else []


def _write_crontab(args: argparse.Namespace, lines: list[str]) -> bool:
    text = "".join(f"{line}\n" for line in lines)
    if args.crontab_file is not None:
        from pancert.fileio import atomic_write

        atomic_write(args.crontab_file, text, mode=0o644)
        return True
    done = subprocess.run(["crontab", "-"], input=text, check=False, text=True)
    return done.returncode == 0


def _cron(args: argparse.Namespace, job: Job) -> int:
    from pancert.ops.schedule import cron_line, managed, without_managed

    current = _read_crontab(args)
    if current is None:
        print("pancert: neither systemd nor crontab is available here", file=sys.stderr)
        print(f"  hint: schedule this yourself: {cron_line(job)}", file=sys.stderr)
        return status_codes.FAILED
    if args.action == "show":
        found = managed(current)
        print("\n".join(found) if found else f"not installed; would add:\n{cron_line(job)}")
        return status_codes.CONVERGED
    lines = without_managed(current)
    if args.action == "install":
        lines.append(cron_line(job))
    if not _write_crontab(args, lines):
        print("pancert: crontab refused the new table", file=sys.stderr)
        return status_codes.FAILED
    print(("installed: " + lines[-1]) if args.action == "install" else "removed the pancert line")
    return status_codes.CONVERGED
