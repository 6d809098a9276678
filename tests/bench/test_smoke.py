"""Smoke run of ``python -m bench`` at a handful of firewalls, so the benchmark cannot rot.

It checks what the benchmark counts and writes (exit codes, call counts that follow from
the lifecycle's design, the shape of latest.json, the plot), never how fast anything was.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bench.__main__ import main
from bench.presets import FAST, rotation_bound
from bench.scenarios import SCENARIOS

FIREWALLS = 3
PER_FIREWALL = 2
SAMPLE = 2
FIELDS = {
    "certs",
    "firewalls",
    "wall_s",
    "bound_s",
    "ratio",
    "panos_calls_per_cert",
    "scm_calls_per_cert",
    "commits_per_firewall",
    "peak_rss_mb",
    "cpu_ms_per_cert",
    "agent_cpu_wait_s",
}


def test_smoke_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One run (one test, so xdist never starts two fleets) checked from every side."""
    monkeypatch.setenv("PANCERT_BENCH_KEY_CACHE", str(tmp_path / "keys"))
    code = main(
        [
            "--time-scale",
            "0.05",
            "--firewalls",
            str(FIREWALLS),
            "--certs-per-firewall",
            str(PER_FIREWALL),
            "--sequential-sample",
            str(SAMPLE),
            "--scaling",
            f"{PER_FIREWALL},{FIREWALLS * PER_FIREWALL}",
            "--output",
            str(tmp_path / "latest.json"),
            "--plot",
            str(tmp_path / "scaling.png"),
            "--workdir",
            str(tmp_path / "work"),
        ]
    )
    assert code == 0
    document = json.loads((tmp_path / "latest.json").read_text())
    _check_shape(document)
    _check_bound(document)
    _check_counts(document)
    _check_scaling(document, tmp_path)


def _check_shape(document: dict[str, Any]) -> None:
    assert set(document["scenarios"]) == set(SCENARIOS)
    for name, figures in document["scenarios"].items():
        assert set(figures) == FIELDS, name
        assert figures["firewalls"] == FIREWALLS
        assert figures["certs"] == FIREWALLS * PER_FIREWALL
        assert figures["peak_rss_mb"] > 0
    assert document["preset"]["name"] == "fast"
    assert document["preset"]["time_scale"] == 0.05
    assert document["machine"]["cpus"] >= 1
    assert len(document["machine"]["load_average_at_start"]) == 3
    for name in ("enroll_all", "noop", "renew_all"):
        assert len(document["details"][name]["load_average_at_start"]) == 3


def _check_bound(document: dict[str, Any]) -> None:
    expected = rotation_bound(FAST.scaled(0.05), FIREWALLS, PER_FIREWALL).seconds
    assert document["scenarios"]["renew_all"]["bound_s"] == pytest.approx(expected, abs=1e-3)
    assert any(line.startswith("bound = max(") for line in document["bound_arithmetic"])


def _check_counts(document: dict[str, Any]) -> None:
    scenarios, details = document["scenarios"], document["details"]
    certs = FIREWALLS * PER_FIREWALL
    for name in ("enroll_all", "renew_all"):
        assert scenarios[name]["commits_per_firewall"] == 1
        assert details[name]["scm_calls_by_kind"].get("enroll") == certs
        assert details[name]["panos_calls_by_kind"]["generate"] == certs
    noop = details["noop"]
    assert noop["scm_calls_by_kind"] == {}
    assert scenarios["noop"]["scm_calls_per_cert"] == 0
    assert sum(noop["max_calls_per_firewall_by_kind"].values()) == 1  # one inventory read
    sequential = details["sequential"]["panos_calls_by_kind"]
    assert sequential["commit"] == SAMPLE
    assert sequential["generate"] == SAMPLE


def _check_scaling(document: dict[str, Any], tmp_path: Path) -> None:
    points = document["scaling"]
    assert [p["certs"] for p in points] == [PER_FIREWALL, FIREWALLS * PER_FIREWALL]
    assert all(p["sequential_s"] > 0 and p["bound_s"] > 0 for p in points)
    assert all(p["agent_cpu_wait_s"] >= 0 and p["peak_rss_mb"] > 0 for p in points)
    assert (tmp_path / "scaling.png").read_bytes().startswith(b"\x89PNG")
