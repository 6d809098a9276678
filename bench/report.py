"""Output: the table, ``latest.json`` and the scaling plot."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

from bench.scenarios import Figures, Outcome

RESULTS = Path(__file__).resolve().parent / "results"

_COLUMNS = (
    ("scenario", "{}", 11),
    ("certs", "{}", 6),
    ("fws", "{}", 5),
    ("wall s", "{:.2f}", 8),
    ("bound s", "{:.2f}", 8),
    ("ratio", "{:.2f}", 6),
    ("PAN-OS/cert", "{:.2f}", 11),
    ("SCM/cert", "{:.2f}", 8),
    ("commits/fw", "{:.2f}", 10),
    ("RSS MB", "{:.1f}", 7),
    ("CPU ms/cert", "{:.2f}", 11),
    ("CPU wait s", "{:.2f}", 10),
)


def table(outcomes: dict[str, Outcome]) -> str:
    header = " ".join(f"{name:>{width}}" for name, _, width in _COLUMNS)
    lines = [header, "-" * len(header)]
    for name, outcome in outcomes.items():
        f: Figures = outcome.figures
        values = (
            name,
            f.certs,
            f.firewalls,
            f.wall_s,
            f.bound_s,
            f.ratio,
            f.panos_calls_per_cert,
            f.scm_calls_per_cert,
            f.commits_per_firewall,
            f.peak_rss_mb,
            f.cpu_ms_per_cert,
            f.agent_cpu_wait_s,
        )
        lines.append(
            " ".join(
                f"{fmt.format(v):>{width}}"
                for (_, fmt, width), v in zip(_COLUMNS, values, strict=True)
            )
        )
    lines.append(
        "(CPU wait s: the time the agent was runnable but another process had the CPU; "
        "a large share of wall s means a busy machine, not a slow agent)"
    )
    return "\n".join(lines)


def machine(load_at_start: tuple[float, float, float]) -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "load_average_at_start": [round(x, 2) for x in load_at_start],
    }


def write_json(path: Path, document: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n")
    return path


def plot(points: list[dict[str, float]], path: Path, title: str) -> Path:
    """Against certificates (log x): wall time with the bound and the sequential way, agent
    CPU per certificate, and the agent's peak RSS — one panel each."""
    import matplotlib  # noqa: PLC0415  (only the scaling run needs it; keeps startup light)

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt  # noqa: PLC0415

    certs = [p["certs"] for p in points]
    figure, (wall, cpu, rss) = plt.subplots(1, 3, figsize=(15, 4.5))
    wall.plot(certs, [p["wall_s"] for p in points], "o-", label="pancert (measured)")
    wall.plot(certs, [p["bound_s"] for p in points], "s--", label="tight bound")
    if all(p["sequential_s"] > 0 for p in points):  # 0 when the run had no sequential sample
        sequential = [p["sequential_s"] for p in points]
        wall.plot(certs, sequential, "^:", label="sequential (extrapolated)")
    wall.set_yscale("log")
    wall.set_ylabel("wall time, s")
    wall.set_title("wall time")
    wall.legend()
    cpu.plot(certs, [p["cpu_ms_per_cert"] for p in points], "o-", color="tab:red")
    cpu.set_ylabel("agent CPU per certificate, ms")
    cpu.set_title("agent CPU per certificate")
    cpu.set_ylim(bottom=0)
    rss.plot(certs, [p["peak_rss_mb"] for p in points], "o-", color="tab:green")
    rss.set_ylabel("agent peak RSS, MB")
    rss.set_title("agent peak RSS")
    rss.set_ylim(bottom=0)
    for axes in (wall, cpu, rss):
        axes.set_xscale("log")
        axes.set_xlabel("certificates (5 per firewall)")
        axes.grid(True, which="both", alpha=0.3)
    figure.suptitle(title)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
