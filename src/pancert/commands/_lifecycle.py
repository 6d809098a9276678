"""What enroll and renew share: load, lock, accept, run, print, exit code."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import TYPE_CHECKING

from pancert import __version__

if TYPE_CHECKING:
    from pancert.lifecycle.outcome import RunReport
    from pancert.lifecycle.plan import Mode

_MARKS = {
    "converged": "✔",
    "unchanged": "·",
    "pending": "…",
    "reported": "!",
    "planned": "→",
    "failed": "✘",
    "bad-input": "✘",
}


def add_run_options(parser: argparse.ArgumentParser, *, profile_required: bool) -> None:
    parser.add_argument(
        "-p",
        "--profile",
        action="append",
        metavar="PROFILE",
        required=profile_required,
        help="certificate profile (file name in cert_profile_path, or a path); repeatable",
    )
    parser.add_argument(
        "--force", action="store_true", help="rotate even a valid certificate (once, this run)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the plan; order, change and write nothing"
    )


def run_action(args: argparse.Namespace, mode: Mode) -> int:
    from pancert.commands._exits import for_run
    from pancert.commands._waits import scaled_sleep
    from pancert.config import load_config
    from pancert.lifecycle.outcome import Status
    from pancert.lifecycle.pair import RunSettings
    from pancert.lifecycle.run import run_lifecycle
    from pancert.lifecycle.verify import trust_anchors
    from pancert.logs import get_logger, setup_logging
    from pancert.ops.hooks import observe_run
    from pancert.state import StateFolder, ensure_eula
    from pancert.wiring import Connections

    debug = bool(getattr(args, "debug", False))
    setup_logging(None, debug=debug)
    loaded = load_config(getattr(args, "config", None))
    setup_logging(loaded.app, debug=debug)
    log = get_logger("pancert.run")
    for warning in loaded.warnings:
        log.warning("%s", warning)
    names = args.profile or None
    state = StateFolder(loaded.state_path)
    ensure_eula(
        state,
        accept_flag=bool(getattr(args, "accept_eula", False)),
        environ=os.environ,
        interactive=sys.stdin.isatty(),
    )
    log.info(
        "pancert %s %s%s (config %s)",
        __version__,
        mode,
        " --dry-run" if args.dry_run else "",
        loaded.config_path,
    )
    settings = RunSettings(
        mode=mode,
        force=args.force,
        dry_run=args.dry_run,
        sleep_download=loaded.app.sleep_download,
        collect_timeout=loaded.app.collect_timeout,
        commit_timeout=loaded.app.commit_timeout,
        anchors=trust_anchors(loaded.app.scm_ca_bundle),
        sleep=scaled_sleep(os.environ),
    )

    async def run(chosen: RunSettings) -> RunReport:
        connections = Connections(loaded)
        try:
            return await run_lifecycle(loaded, names, chosen, connections)
        finally:
            await connections.aclose()

    if args.dry_run:
        report = asyncio.run(run(settings))
        code = for_run(report, settings.clock())
    else:
        # operations (progress, run record, metrics, alerts) hook in here and nowhere else
        with state.lock(), observe_run(loaded, names, settings) as observed:
            report = asyncio.run(run(observed.settings))
            code = for_run(report, settings.clock())
            observed.finish(report, code)
    print_report(report)
    summary = ", ".join(
        f"{sum(o.status is s for o in report.outcomes)} {s}"
        for s in Status
        if any(o.status is s for o in report.outcomes)
    )
    log.info("summary: %s; exit %d", summary or "nothing selected", code)
    return code


def print_report(report: RunReport) -> None:
    from pancert.redaction import redact

    for problem in report.bad_input:
        print(redact(f"✘ bad input: {problem}"))
    for outcome in report.outcomes:
        line = (
            f"{_MARKS[str(outcome.status)]} {outcome.profile} on {outcome.firewall}: "
            f"{outcome.status}: {outcome.message}"
        )
        print(redact(line))
        if outcome.hint:
            print(redact(f"    hint: {outcome.hint}"))
        for change in outcome.plan:
            print(redact(f"    {change}"))
        for name, paths in outcome.kept.items():
            print(redact(f"    kept superseded {name}: still used by {', '.join(paths)}"))
    for orphan in report.orphans:
        print(redact(f"! orphaned: {orphan}"))
