"""``pancert enroll -p PROFILE``: first issuance (as the Sectigo agent's ``-a enroll``)."""

from __future__ import annotations

import argparse

from pancert.commands._lifecycle import add_run_options, run_action

NAME = "enroll"
HELP = "issue and deploy the certificate of a profile where the firewall has no valid one"


def configure(parser: argparse.ArgumentParser) -> None:
    add_run_options(parser, profile_required=True)


def run(args: argparse.Namespace) -> int:
    from pancert.lifecycle.plan import Mode

    return run_action(args, Mode.ENROLL)
