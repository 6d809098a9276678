"""The run record behind metrics and alerts: written after a run whatever its end."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from pancert.config import load_config
from pancert.errors import PancertError
from pancert.lifecycle.outcome import RunReport
from pancert.lifecycle.pair import RunSettings
from pancert.lifecycle.plan import Mode
from pancert.ops.hooks import observe_run
from pancert.ops.runlog import load_runlog


def exported(path: Path) -> dict[str, float]:
    return {
        s.name + "".join(f"{{{v}}}" for v in s.labels.values()): s.value
        for f in text_string_to_metric_families(path.read_text())
        for s in f.samples
    }


def test_a_run_that_raises_is_recorded_with_its_hint_then_a_success_keeps_the_count(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("sectigo_scm_url: https://scm.example.org\npancert_metrics_dir: prom\n")
    loaded = load_config(str(config))
    settings = RunSettings(mode=Mode.RENEW)

    error = PancertError("the journal folder is not writable")
    error.hint = "give the pancert account write access"
    with pytest.raises(PancertError), observe_run(loaded, None, settings):
        raise error
    record = load_runlog(tmp_path)
    assert record.exit_code == 1
    assert record.error == (
        "the journal folder is not writable; hint: give the pancert account write access"
    )
    assert record.last_success_at is None
    assert record.errors_total["internal"] == 1
    metrics = exported(tmp_path / "prom" / "pancert.prom")
    assert metrics["pancert_last_run_exit_code"] == 1
    assert metrics["pancert_run_errors_total{internal}"] == 1
    assert "pancert_last_success_timestamp_seconds" not in metrics

    with observe_run(loaded, None, settings) as observed:
        observed.finish(RunReport(), 0)
    record = load_runlog(tmp_path)
    assert record.exit_code == 0
    assert record.last_success_at == record.finished_at
    assert record.errors_total["internal"] == 1  # a counter: it never goes back
    metrics = exported(tmp_path / "prom" / "pancert.prom")
    assert metrics["pancert_last_run_exit_code"] == 0
    assert metrics["pancert_last_success_timestamp_seconds"] > 0
