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
        )
        lines.append(
            " ".join(
                f"{fmt.format(v):>{width}}"
                for (_, fmt, width), v in zip(_COLUMNS, values, strict=True)
            )
        )
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }


def write_json(path: Path, document: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n")
    return path


def plot(points: list[dict[str, float]], path: Path, title: str) -> Path:
    """Wall time against certificates: pancert, the bound, the sequential way (log-log)."""
    import matplotlib  # noqa: PLC0415  (only the scaling run needs it; keeps startup light)

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt  # noqa: PLC0415

    certs = [p["certs"] for p in points]
    figure, axes = plt.subplots(figsize=(7, 4.5))
    axes.plot(certs, [p["wall_s"] for p in points], "o-", label="pancert (measured)")
    axes.plot(certs, [p["bound_s"] for p in points], "s--", label="critical-path bound")
    axes.plot(certs, [p["sequential_s"] for p in points], "^:", label="sequential (extrapolated)")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("certificates (5 per firewall)")
    axes.set_ylabel("wall time, s")
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
