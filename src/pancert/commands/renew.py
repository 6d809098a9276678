"""``pancert renew [-p PROFILE]``: the cron job. Rotates what is due, resumes what is
unfinished, and does nothing (no SCM call, no write) when nothing is."""

from __future__ import annotations

import argparse

from pancert.commands._lifecycle import add_run_options, run_action

NAME = "renew"
HELP = "renew every profile (or -p ones) that is due, expired, changed or unfinished"


def configure(parser: argparse.ArgumentParser) -> None:
    add_run_options(parser, profile_required=False)


def run(args: argparse.Namespace) -> int:
    from pancert.lifecycle.plan import Mode

    return run_action(args, Mode.RENEW)
