"""``pancert status [--json] [-p PROFILE]``: every certificate pancert manages, from the
journal (no firewall or SCM call, no lock)."""

from __future__ import annotations

import argparse
import json
import sys

from pancert import status_codes

NAME = "status"
HELP = "show every managed certificate: expiry, state, order id, next action, last error"

COLUMNS = (
    "profile",
    "firewall",
    "object",
    "cn",
    "not_after",
    "days_left",
    "state",
    "ssl_id",
    "pending_since",
    "next_action",
    "last_error",
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-p",
        "--profile",
        action="append",
        metavar="PROFILE",
        help="only this certificate profile; repeatable",
    )
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument(
        "--json",
        action="store_true",
        help="print JSON (the default when the output is not a terminal)",
    )
    shape.add_argument(
        "--table",
        action="store_true",
        help="print the table even when the output is not a terminal",
    )


def run(args: argparse.Namespace) -> int:
    from pancert.config import load_config
    from pancert.lifecycle.pair import utcnow
    from pancert.lifecycle.status import status_rows
    from pancert.redaction import redact

    loaded = load_config(getattr(args, "config", None))
    rows = status_rows(loaded, args.profile or None, utcnow())
    if args.json or not (args.table or sys.stdout.isatty()):
        print(redact(json.dumps([r.as_json() for r in rows], indent=2)))
        return status_codes.CONVERGED
    from rich.console import Console
    from rich.table import Table

    table = Table(*COLUMNS, title=f"pancert status ({loaded.config_path})")
    for row in rows:
        data = row.as_json()
        if row.last_error is not None:
            hint = f" (hint: {row.last_error.hint})" if row.last_error.hint else ""
            data["last_error"] = row.last_error.message + hint
        if row.not_after is not None:
            data["not_after"] = f"{row.not_after:%Y-%m-%d %H:%M}"
        table.add_row(*(redact("" if data[c] is None else str(data[c])) for c in COLUMNS))
    Console(width=160 if args.table and not sys.stdout.isatty() else None).print(table)
    return status_codes.CONVERGED
