"""``pancert demo``: run pancert end to end on the built-in sandbox (see pancert.sandbox.demo)."""

from __future__ import annotations

import argparse

NAME = "demo"
HELP = "start the sandbox and run enroll, status, forced renewal and status against it"


def configure(parser: argparse.ArgumentParser) -> None:
    del parser  # no options: the demo is one command


def run(args: argparse.Namespace) -> int:
    from pancert.sandbox.demo import run_demo

    return run_demo()
