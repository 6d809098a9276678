"""Prometheus metrics in node_exporter's textfile format, written after every run.

Names and meanings follow cert-manager's certificate metrics (pkg/metrics/certificates.go in
github.com/cert-manager/cert-manager) with a ``pancert_`` prefix; each series is one
certificate profile on one firewall, labelled ``profile``, ``firewall``, ``location`` and
``issuer`` (the SCM credential label): small, stable label sets. The exposition text comes from
the official ``prometheus_client`` and the file is replaced with its ``write_to_textfile``,
which writes ``<file>.<pid>.<thread>`` in the same folder and ``rename(2)``s it over the
target, so node_exporter (which reads only ``*.prom``, see
https://github.com/prometheus/node_exporter#textfile-collector) never sees a torn file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest, write_to_textfile
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from pancert.config import LoadedConfig
from pancert.lifecycle.status import StatusRow, status_rows
from pancert.ops.runlog import STEPS, RunLog, load_runlog
from pancert.ops.settings import NODE_EXPORTER_TEXTFILE_DIR

METRICS_FILE = "pancert.prom"
LABELS = ("profile", "firewall", "location", "issuer")
CONDITIONS = ("True", "False", "Unknown")


@dataclass(frozen=True)
class CertificateSeries:
    profile: str
    firewall: str
    location: str
    issuer: str
    expiration: dt.datetime | None
    renewal: dt.datetime | None
    ready: str
    """cert-manager's Ready condition: True, False or Unknown."""

    @property
    def labels(self) -> list[str]:
        return [self.profile, self.firewall, self.location, self.issuer]


def ready_condition(row: StatusRow, runlog: RunLog, now: dt.datetime) -> str:
    """True: a valid certificate is deployed and the last run did not fail on the pair.
    False: none deployed, expired, or the last run failed on it. Unknown: expiry unknown.
    A renewal in progress keeps True, as cert-manager keeps Ready while it reissues."""
    last = runlog.result_for(row.profile, row.firewall)
    if last is not None and last.status in ("failed", "bad-input"):
        return "False"
    if row.object is None:
        return "False"
    if row.not_after is None:
        return "Unknown"
    return "True" if row.not_after > now else "False"


def certificate_series(
    loaded: LoadedConfig, runlog: RunLog, now: dt.datetime
) -> list[CertificateSeries]:
    found = []
    for row in status_rows(loaded, None, now):
        profile = loaded.profiles.get(row.profile)
        if profile is None:
            continue  # orphaned or broken: as cert-manager drops a deleted Certificate's series
        renewal = (
            None
            if row.not_after is None
            else row.not_after - dt.timedelta(days=profile.expiry_window_days)
        )
        found.append(
            CertificateSeries(
                profile=row.profile,
                firewall=row.firewall,
                location=profile.location,
                issuer=profile.credential,
                expiration=row.not_after,
                renewal=renewal,
                ready=ready_condition(row, runlog, now),
            )
        )
    return found


class PancertCollector(Collector):
    """A snapshot of certificates and the last run, exposed once (no process stays up)."""

    def __init__(self, series: list[CertificateSeries], runlog: RunLog) -> None:
        self.series = series
        self.runlog = runlog

    def collect(self) -> Iterator[Metric]:
        expiration = GaugeMetricFamily(
            "pancert_certificate_expiration_timestamp_seconds",
            "The date after which the certificate expires (notAfter), as a Unix timestamp.",
            labels=LABELS,
        )
        renewal = GaugeMetricFamily(
            "pancert_certificate_renewal_timestamp_seconds",
            "The date from which pancert renews the certificate (notAfter minus "
            "sectigo_expiry_window), as a Unix timestamp.",
            labels=LABELS,
        )
        ready = GaugeMetricFamily(
            "pancert_certificate_ready_status",
            "The ready condition of the certificate: 1 on the current condition, 0 on others.",
            labels=(*LABELS, "condition"),
        )
        for item in self.series:
            if item.expiration is not None:
                expiration.add_metric(item.labels, item.expiration.timestamp())
            if item.renewal is not None:
                renewal.add_metric(item.labels, item.renewal.timestamp())
            for condition in CONDITIONS:
                ready.add_metric([*item.labels, condition], float(condition == item.ready))
        yield expiration
        yield renewal
        yield ready
        yield from self._run_metrics()

    def _run_metrics(self) -> Iterator[Metric]:
        log = self.runlog
        if log.started_at is not None:
            yield GaugeMetricFamily(
                "pancert_last_run_timestamp_seconds",
                "When the last enroll or renew run started, as a Unix timestamp.",
                value=log.started_at.timestamp(),
            )
        if log.last_success_at is not None:
            yield GaugeMetricFamily(
                "pancert_last_success_timestamp_seconds",
                "When a run last ended with exit code 0, as a Unix timestamp.",
                value=log.last_success_at.timestamp(),
            )
        if log.duration_s is not None:
            yield GaugeMetricFamily(
                "pancert_run_duration_seconds",
                "How long the last run took.",
                value=log.duration_s,
            )
        if log.exit_code is not None:
            yield GaugeMetricFamily(
                "pancert_last_run_exit_code",
                "The exit code of the last run (0 converged, 1 failed, 2 bad input).",
                value=float(log.exit_code),
            )
        errors = CounterMetricFamily(
            "pancert_run_errors",
            "Failures by step, summed over every run recorded in the state folder.",
            labels=("step",),
        )
        for step in sorted(set(STEPS) | set(log.errors_total)):
            errors.add_metric([step], float(log.errors_total.get(step, 0)))
        yield errors


def build_registry(loaded: LoadedConfig, now: dt.datetime) -> CollectorRegistry:
    runlog = load_runlog(loaded.state_path)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PancertCollector(certificate_series(loaded, runlog, now), runlog))
    return registry


def exposition(loaded: LoadedConfig, now: dt.datetime) -> str:
    return generate_latest(build_registry(loaded, now)).decode("utf-8")


def metrics_folder(loaded: LoadedConfig) -> Path | None:
    """``pancert_metrics_dir``; unset: node_exporter's textfile folder when it exists."""
    configured = loaded.app.metrics_dir
    if configured is False:
        return None
    if configured is None:
        return NODE_EXPORTER_TEXTFILE_DIR if NODE_EXPORTER_TEXTFILE_DIR.is_dir() else None
    return configured


def write_metrics(loaded: LoadedConfig, now: dt.datetime) -> Path | None:
    """Replace ``pancert.prom`` in the metrics folder; returns its path (None when off)."""
    folder = metrics_folder(loaded)
    if folder is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / METRICS_FILE
    write_textfile(target, build_registry(loaded, now))
    return target


def write_textfile(target: Path, registry: CollectorRegistry) -> None:
    _remove_leftovers(target)
    # node_exporter runs as another account: the file must be world-readable even when the
    # service's UMask is 0077 (it holds no secret)
    previous = os.umask(0o022)
    try:
        write_to_textfile(str(target), registry)
    finally:
        os.umask(previous)


def _remove_leftovers(target: Path) -> None:
    """A run killed between write and rename leaves ``pancert.prom.<pid>.<thread>``; node_exporter
    ignores it (not ``*.prom``), and the next write removes it."""
    for leftover in target.parent.glob(f"{target.name}.*"):
        suffix = leftover.name[len(target.name) + 1 :]
        if all(part.isdigit() for part in suffix.split(".")):
            with contextlib.suppress(OSError):
                leftover.unlink()
