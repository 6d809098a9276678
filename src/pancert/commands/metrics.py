"""``pancert metrics [--write]``: the Prometheus metrics of the last run and of every
certificate, as written to ``pancert_metrics_dir`` after each run (no network, no lock)."""

from __future__ import annotations

import argparse
import sys

from pancert import status_codes

NAME = "metrics"
HELP = "print the Prometheus metrics (textfile format) that each run writes"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--write",
        action="store_true",
        help="also replace pancert.prom in pancert_metrics_dir now (atomically)",
    )


def run(args: argparse.Namespace) -> int:
    from pancert.config import load_config
    from pancert.lifecycle.pair import utcnow
    from pancert.ops.metrics import exposition, metrics_folder, write_metrics

    loaded = load_config(getattr(args, "config", None))
    now = utcnow()
    sys.stdout.write(exposition(loaded, now))
    if args.write:
        path = write_metrics(loaded, now)
        if path is None:
            folder = metrics_folder(loaded)
            print(f"pancert: metrics are off (pancert_metrics_dir: {folder})", file=sys.stderr)
            return status_codes.BAD_INPUT
        print(f"pancert: wrote {path}", file=sys.stderr)
    return status_codes.CONVERGED
