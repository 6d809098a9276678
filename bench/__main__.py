"""``python -m bench`` (``make bench``): pancert against the critical-path bound and against
the sequential way, on a sandbox fleet in its own process. See bench/README.md."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.presets import PRESETS, Preset, noop_bound, rotation_bound
from bench.process import load_average
from bench.report import RESULTS, machine, plot, table, write_json
from bench.scenarios import SCENARIOS, Outcome, as_json, run_fleet


def _sizes(text: str) -> list[int]:
    if text.strip().lower() in ("", "none", "off"):
        return []
    return sorted({int(part) for part in text.split(",")})


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="fast")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="multiply every sandbox duration (and the bound) by this; 0.5 runs twice as fast",
    )
    parser.add_argument("--firewalls", type=int, default=200)
    parser.add_argument("--certs-per-firewall", type=int, default=5)
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help=f"comma list of {', '.join(SCENARIOS)}"
    )
    parser.add_argument("--sequential-sample", type=int, default=20)
    parser.add_argument(
        "--scaling",
        default="10,100,1000,5000",
        help="certificate counts for the scaling run (5 per firewall), or 'none'",
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    parser.add_argument("--plot", type=Path, default=RESULTS / "scaling.png")
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="also profile one extra forced renew with pyinstrument, text report to this file",
    )
    parser.add_argument("--workdir", type=Path, default=None, help="keep sandboxes and logs here")
    args = parser.parse_args(argv)
    unknown = set(args.scenarios.split(",")) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; allowed: {', '.join(SCENARIOS)}")
    return args


def _scaling(
    args: argparse.Namespace,
    preset: Preset,
    work: Path,
    main: dict[str, Outcome],
) -> list[dict[str, float]]:
    per_fw = args.certs_per_firewall
    sequential = main.get("sequential")
    per_cert_seq = sequential.figures.wall_s / sequential.figures.certs if sequential else None
    points = []
    for certs in _sizes(args.scaling):
        firewalls = max(1, certs // per_fw)
        if firewalls == args.firewalls and "enroll_all" in main:
            figures = main["enroll_all"].figures
        else:
            print(f"scaling: {firewalls * per_fw} certificates on {firewalls} firewalls")
            outcomes = run_fleet(
                work / f"scaling-{certs}",
                preset,
                firewalls=firewalls,
                per_firewall=per_fw,
                scenarios=("enroll_all",),
                sequential_sample=0,
            )
            figures = outcomes["enroll_all"].figures
        bound = rotation_bound(preset, firewalls, per_fw).seconds
        points.append(
            {
                "certs": figures.certs,
                "firewalls": firewalls,
                "wall_s": figures.wall_s,
                "bound_s": round(bound, 3),
                "ratio": figures.ratio,
                "sequential_s": round(per_cert_seq * figures.certs, 1) if per_cert_seq else 0.0,
                "peak_rss_mb": figures.peak_rss_mb,
                "cpu_ms_per_cert": figures.cpu_ms_per_cert,
                "agent_cpu_wait_s": figures.agent_cpu_wait_s,
                "panos_calls_per_cert": figures.panos_calls_per_cert,
                "scm_calls_per_cert": figures.scm_calls_per_cert,
            }
        )
    return points


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    preset = PRESETS[args.preset].scaled(args.time_scale)
    scenarios = tuple(args.scenarios.split(","))
    started, load = time.perf_counter(), load_average()
    with tempfile.TemporaryDirectory(prefix="pancert-bench-") as tmp:
        work = args.workdir or Path(tmp)
        bound = rotation_bound(preset, args.firewalls, args.certs_per_firewall)
        print(
            f"preset {preset.name} x {preset.time_scale:g}: {args.firewalls} firewalls x "
            f"{args.certs_per_firewall} certificates"
        )
        for line in bound.arithmetic:
            print(f"  {line}")
        print("  load average at start: {:.2f} {:.2f} {:.2f}".format(*load))
        main_run = run_fleet(
            work / "main",
            preset,
            firewalls=args.firewalls,
            per_firewall=args.certs_per_firewall,
            scenarios=scenarios,
            sequential_sample=args.sequential_sample,
            profile=args.profile,
        )
        points = _scaling(args, preset, work, main_run)
    print()
    print(table(main_run))
    for name, outcome in main_run.items():
        if outcome.note:
            print(f"  {name}: {outcome.note}")
    document: dict[str, Any] = {
        "scenarios": as_json(main_run),
        "preset": {
            **preset.as_json(),
            "firewalls": args.firewalls,
            "certs_per_firewall": args.certs_per_firewall,
            "sequential_sample": args.sequential_sample,
        },
        "machine": machine(load),
        "bound_arithmetic": bound.arithmetic + noop_bound(preset).arithmetic,
        "details": {name: o.details() for name, o in main_run.items()},
        "scaling": points,
        "total_s": round(time.perf_counter() - started, 1),
    }
    write_json(args.output, document)
    print(f"\nwrote {args.output}")
    if points:
        print(json.dumps(points, indent=1))
        plot(points, args.plot, f"pancert, preset {preset.name} x {preset.time_scale:g}")
        print(f"wrote {args.plot}")
    failed = [n for n, o in main_run.items() if o.code != 0]
    if failed:
        print(f"agent runs that did not exit 0: {', '.join(failed)} (see the logs above)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
