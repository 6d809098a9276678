"""Metrics: the textfile a run writes, parsed with prometheus_client's own parser."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from ruamel.yaml import YAML

from pancert.ops.metrics import CertificateSeries, PancertCollector, write_textfile
from pancert.ops.runlog import RunLog
from pancert.sandbox.faults import FaultRule
from pancert.sandbox.world import DEMO_PROFILES, SandboxWorld
from tests.e2e.conftest import configure


def samples(text: str) -> dict[str, list[Sample]]:
    found: dict[str, list[Sample]] = {}
    for family in text_string_to_metric_families(text):
        found.setdefault(family.name, []).extend(family.samples)
    return found


def value(found: dict[str, list[Sample]], name: str, **labels: str) -> float:
    hits = [
        s.value
        for family in found.values()
        for s in family
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    ]
    assert len(hits) == 1, (name, labels, hits)
    return hits[0]


def test_a_run_writes_metrics_that_match_status_and_a_failure_updates_them(
    world: SandboxWorld, tmp_path: Path
) -> None:
    folder = tmp_path / "textfile"
    agent = configure(world, *DEMO_PROFILES, pancert_metrics_dir=str(folder))
    assert agent("renew").code == 0
    text = (folder / "pancert.prom").read_text()
    assert text.endswith("\n")
    found = samples(text)
    rows = {(r["profile"], r["firewall"]): r for r in agent.status()}
    assert len(rows) == 3
    for (profile, firewall), row in rows.items():
        labels = {"profile": profile, "firewall": firewall}
        expires = value(found, "pancert_certificate_expiration_timestamp_seconds", **labels)
        assert expires == dt.datetime.fromisoformat(row["not_after"]).timestamp()
        renewal = value(found, "pancert_certificate_renewal_timestamp_seconds", **labels)
        assert expires - renewal == 30 * 86400
        assert value(found, "pancert_certificate_ready_status", condition="True", **labels) == 1
        assert value(found, "pancert_certificate_ready_status", condition="False", **labels) == 0
    shop = next(
        s for s in found["pancert_certificate_ready_status"] if s.labels["profile"] == "shop"
    )
    assert shop.labels["location"] == "shared"
    assert shop.labels["issuer"] == "SCMADMIN"
    first_success = value(found, "pancert_last_success_timestamp_seconds")
    assert value(found, "pancert_last_run_exit_code") == 0
    assert value(found, "pancert_run_errors_total", step="collect") == 0
    assert value(found, "pancert_run_duration_seconds") > 0

    # a forced renewal whose order SCM refuses: the run fails at the order step
    world.scm.faults.add(FaultRule(kind="enroll", fault="5xx", times=-1))
    failed = agent("renew", "--force", "-p", "web")
    assert failed.code == 1, failed.text
    found = samples((folder / "pancert.prom").read_text())
    assert value(found, "pancert_run_errors_total", step="order") == 1
    assert value(found, "pancert_last_success_timestamp_seconds") == first_success
    assert value(found, "pancert_last_run_timestamp_seconds") > first_success
    assert value(found, "pancert_last_run_exit_code") == 1
    web = {"profile": "web", "firewall": "fw_sandbox1"}
    assert value(found, "pancert_certificate_ready_status", condition="False", **web) == 1
    shop1 = {"profile": "shop", "firewall": "fw_sandbox1"}
    assert value(found, "pancert_certificate_ready_status", condition="True", **shop1) == 1

    # `pancert metrics` prints what the run wrote, and no secret of the configuration
    printed = agent("metrics")
    assert printed.code == 0
    assert samples(printed.out) == found
    for firewall in world.fleet.firewalls:
        assert firewall.api_key not in printed.out


def test_metrics_are_off_unless_a_folder_is_configured_or_node_exporters_exists(
    world: SandboxWorld, tmp_path: Path
) -> None:
    agent = configure(world, DEMO_PROFILES[0], pancert_metrics_dir="off")
    assert agent("renew").code == 0
    assert not list(agent.config.parent.rglob("*.prom"))
    written = agent("metrics", "--write")
    assert written.code == 2
    assert "metrics are off" in written.err


_WRITER = """
import sys, datetime as dt
from pathlib import Path
from pancert.ops.metrics import CertificateSeries, PancertCollector, write_textfile
from pancert.ops.runlog import RunLog
from prometheus_client import CollectorRegistry
now = dt.datetime.now(dt.UTC)
series = [CertificateSeries(f"p{i}", "fw", "vsys1", "SCM", now, now, "True") for i in range(4000)]
registry = CollectorRegistry(auto_describe=False)
registry.register(PancertCollector(series, RunLog()))
print("ready", flush=True)
while True:
    write_textfile(Path(sys.argv[1]), registry)
"""


def test_a_writer_killed_at_any_moment_never_leaves_a_torn_file(tmp_path: Path) -> None:
    target = tmp_path / "pancert.prom"
    write_textfile(target, CollectorRegistry())  # an older, complete file to replace
    complete = None
    killed_mid_write = 0
    for round_ in range(8):
        child = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(target)], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(0.05 + 0.037 * round_)  # lands at different points of write and rename
        while round_ == 7 and "ready_status" not in target.read_text():
            time.sleep(0.05)  # the last round kills only after one write completed
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        killed_mid_write += any(
            p.name.startswith(f"pancert.prom.{child.pid}.") for p in tmp_path.iterdir()
        )
        text = target.read_text()
        if "pancert_certificate_ready_status" not in text:
            assert text == ""  # still the older file, untouched
            continue
        found = samples(text)  # parses: no half line, no half family
        assert len(found["pancert_certificate_ready_status"]) == 3 * 4000
        assert text.endswith('pancert_run_errors_total{step="order"} 0.0\n')
        complete = text
    assert complete is not None, "no write ever completed: the test proved nothing"
    assert killed_mid_write, "no kill landed between write and rename: the test proved nothing"
    # leftovers of killed writers are never *.prom (node_exporter skips them) and are
    # removed by the next write
    leftovers = [p for p in tmp_path.iterdir() if p != target]
    assert all(not p.name.endswith(".prom") for p in leftovers)
    write_textfile(target, CollectorRegistry())
    assert [p.name for p in tmp_path.iterdir()] == ["pancert.prom"]


def test_every_metric_the_example_alert_rules_use_is_exported() -> None:
    rules = YAML(typ="safe").load(
        (Path(__file__).parents[2] / "docs" / "alert-rules.yml").read_text()
    )
    exprs = [str(r["expr"]) for g in rules["groups"] for r in g["rules"]]
    used = {m for e in exprs for m in re.findall(r"\b(pancert_[a-z_]+)", e)}
    now = dt.datetime.now(dt.UTC)
    runlog = RunLog(started_at=now, finished_at=now, exit_code=0, last_success_at=now)
    series = [CertificateSeries("web", "fw1", "vsys1", "SCM", now, now, "True")]
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PancertCollector(series, runlog))
    exported = {
        s.name
        for f in text_string_to_metric_families(generate_latest(registry).decode())
        for s in f.samples
    }
    assert len(used) >= 6
    assert used <= exported, used - exported
