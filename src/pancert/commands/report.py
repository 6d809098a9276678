"""``pancert report --html FILE``: every certificate and firewall on one self-contained page
(expiry timeline, state, next action, last error with its hint); no network, no lock."""

from __future__ import annotations

import argparse
from pathlib import Path

from pancert import status_codes

NAME = "report"
HELP = "write a self-contained HTML page: every certificate, its expiry, state and next action"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--html", metavar="FILE", type=Path, required=True, help="the page to write ('-': stdout)"
    )


def run(args: argparse.Namespace) -> int:
    import sys

    from pancert.config import load_config
    from pancert.fileio import atomic_write
    from pancert.lifecycle.pair import utcnow
    from pancert.ops.report import render

    loaded = load_config(getattr(args, "config", None))
    page = render(loaded, utcnow())
    if str(args.html) == "-":
        sys.stdout.write(page)
    else:
        atomic_write(args.html, page, mode=0o644)
        print(f"wrote {args.html}")
    return status_codes.CONVERGED
