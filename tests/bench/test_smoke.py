"""Smoke run of ``python -m bench`` at a handful of firewalls, so the benchmark cannot rot.

It checks what the benchmark counts and writes (exit codes, call counts that follow from
the lifecycle's design, the shape of latest.json, the plot), never how fast anything was.
"""

from __future__ import annotations

import json
from pathlib import Path

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
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("bench")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PANCERT_BENCH_KEY_CACHE", str(tmp / "keys"))
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
                str(tmp / "latest.json"),
                "--plot",
                str(tmp / "scaling.png"),
                "--workdir",
                str(tmp / "work"),
            ]
        )
    document = json.loads((tmp / "latest.json").read_text())
    assert isinstance(document, dict)
    return {"code": code, "document": document, "tmp": tmp}


def test_every_agent_run_succeeds_and_latest_json_has_the_issue_shape(
    run: dict[str, object],
) -> None:
    assert run["code"] == 0
    document = run["document"]
    assert isinstance(document, dict)
    assert set(document["scenarios"]) == set(SCENARIOS)
    for name, figures in document["scenarios"].items():
        assert set(figures) == FIELDS, name
        assert figures["firewalls"] == FIREWALLS
        assert figures["certs"] == FIREWALLS * PER_FIREWALL
        assert figures["peak_rss_mb"] > 0
    assert document["preset"]["name"] == "fast"
    assert document["preset"]["time_scale"] == 0.05
    assert document["machine"]["cpus"] >= 1


def test_bound_is_the_presets_arithmetic(run: dict[str, object]) -> None:
    document = run["document"]
    assert isinstance(document, dict)
    expected = rotation_bound(FAST.scaled(0.05), FIREWALLS, PER_FIREWALL).seconds
    assert document["scenarios"]["renew_all"]["bound_s"] == pytest.approx(expected, abs=1e-3)
    assert any(line.startswith("bound = max(") for line in document["bound_arithmetic"])


def test_counts_follow_the_lifecycle(run: dict[str, object]) -> None:
    document = run["document"]
    assert isinstance(document, dict)
    scenarios, details = document["scenarios"], document["details"]
    certs = FIREWALLS * PER_FIREWALL
    for name in ("enroll_all", "renew_all"):
        assert scenarios[name]["commits_per_firewall"] == 1
        scm = details[name]["scm_calls_by_kind"]
        assert scm.get("enroll") == certs
        assert details[name]["panos_calls_by_kind"]["generate"] == certs
    noop = details["noop"]
    assert noop["scm_calls_by_kind"] == {}
    assert scenarios["noop"]["scm_calls_per_cert"] == 0
    assert sum(noop["max_calls_per_firewall_by_kind"].values()) == 2  # HA state + inventory
    sequential = details["sequential"]["panos_calls_by_kind"]
    assert sequential["commit"] == SAMPLE
    assert sequential["generate"] == SAMPLE


def test_scaling_points_and_plot(run: dict[str, object]) -> None:
    document = run["document"]
    tmp = run["tmp"]
    assert isinstance(document, dict)
    assert isinstance(tmp, Path)
    assert [p["certs"] for p in document["scaling"]] == [PER_FIREWALL, FIREWALLS * PER_FIREWALL]
    assert all(p["sequential_s"] > 0 and p["bound_s"] > 0 for p in document["scaling"])
    assert (tmp / "scaling.png").read_bytes().startswith(b"\x89PNG")
