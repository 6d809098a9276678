"""The four scenarios against one sandbox fleet, and the figures of each.

Counters come from the fleet process before and after each agent run, so every figure is a
difference over exactly that run: PAN-OS calls (by kind), SCM calls (429 refusals included —
they are calls SCM had to answer), commits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.presets import Bound, Preset, noop_bound, rotation_bound
from bench.process import Fleet, Measured, agent_command, agent_env, measure

SCENARIOS = ("enroll_all", "noop", "renew_all", "sequential")

_ARGS = {"enroll_all": ("renew",), "noop": ("renew",), "renew_all": ("renew", "--force")}
_READS = ("ha_state", "config_get", "config_show")


@dataclass
class Figures:
    """One scenario's row of ``latest.json`` (the shape bench/README.md gives, nothing more)."""

    certs: int
    firewalls: int
    wall_s: float
    bound_s: float
    ratio: float
    panos_calls_per_cert: float
    scm_calls_per_cert: float
    commits_per_firewall: float
    peak_rss_mb: float
    cpu_ms_per_cert: float
    agent_cpu_wait_s: float
    """Time the agent was runnable but had no CPU (other processes had it): a busy machine,
    not a slow agent, when it is a large share of ``wall_s``."""


@dataclass
class Outcome:
    figures: Figures
    code: int
    log: Path
    panos_by_kind: dict[str, int] = field(default_factory=dict)
    scm_by_kind: dict[str, int] = field(default_factory=dict)
    max_per_firewall: dict[str, int] = field(default_factory=dict)
    sandbox_cpu_s: float = 0.0
    """CPU the sandbox process spent during the run: near ``wall_s`` means the sandbox, not
    pancert, was the bottleneck."""
    load_at_start: tuple[float, float, float] = (0.0, 0.0, 0.0)
    """The machine's 1, 5 and 15 minute load averages when the agent was started."""
    note: str = ""

    def details(self) -> dict[str, Any]:
        return {
            "exit_code": self.code,
            "log": str(self.log),
            "panos_calls_by_kind": self.panos_by_kind,
            "scm_calls_by_kind": self.scm_by_kind,
            "max_calls_per_firewall_by_kind": self.max_per_firewall,
            "sandbox_cpu_s": round(self.sandbox_cpu_s, 2),
            "agent_cpu_wait_s": self.figures.agent_cpu_wait_s,
            "load_average_at_start": [round(x, 2) for x in self.load_at_start],
            "note": self.note,
        }


def _delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    diff = Counter(after)
    diff.subtract(before)
    return {k: v for k, v in sorted(diff.items()) if v}


def _outcome(
    run: Measured,
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    certs: int,
    firewalls: int,
    bound: Bound,
    scale_to: int | None = None,
) -> Outcome:
    """Figures of one measured run; ``scale_to`` extrapolates a sample linearly."""
    panos = _delta(after["panos"], before["panos"])
    scm = _delta(after["scm"], before["scm"])
    commits = after["commits"] - before["commits"]
    factor = (scale_to / certs) if scale_to else 1.0
    wall = run.wall_s * factor
    shown_certs = scale_to or certs
    figures = Figures(
        certs=shown_certs,
        firewalls=firewalls,
        wall_s=round(wall, 3),
        bound_s=round(bound.seconds, 3),
        ratio=round(wall / bound.seconds, 3) if bound.seconds else 0.0,
        panos_calls_per_cert=round(sum(panos.values()) / certs, 3),
        scm_calls_per_cert=round(sum(scm.values()) / certs, 3),
        commits_per_firewall=round(commits * factor / firewalls, 3),
        peak_rss_mb=round(run.peak_rss_mb, 1),
        cpu_ms_per_cert=round(run.cpu_s * 1000 / certs, 2),
        agent_cpu_wait_s=round(run.cpu_wait_s * factor, 2),
    )
    return Outcome(
        figures,
        run.code,
        run.output,
        panos,
        scm,
        _delta(after["panos_max_per_firewall"], before["panos_max_per_firewall"]),
        sandbox_cpu_s=after["cpu_s"] - before["cpu_s"],
        load_at_start=run.load_at_start,
    )


def run_fleet(
    workdir: Path,
    preset: Preset,
    *,
    firewalls: int,
    per_firewall: int,
    scenarios: tuple[str, ...],
    sequential_sample: int,
    profile: Path | None = None,
    echo: bool = True,
) -> dict[str, Outcome]:
    """Run ``scenarios`` (in the order of :data:`SCENARIOS`) against one fleet. The first
    enrollment is a plain ``renew``: nothing is on the firewalls yet, so everything is due
    (``enroll`` needs ``-p``, one profile at a time, like the Sectigo agent's)."""
    certs = firewalls * per_firewall
    bound = rotation_bound(preset, firewalls, per_firewall)
    results: dict[str, Outcome] = {}
    wanted = [s for s in SCENARIOS if s in scenarios]
    # noop and renew_all need certificates to exist: enroll first even when not reported
    agent_runs = [s for s in SCENARIOS[:3] if s in wanted]
    if agent_runs and agent_runs[0] != "enroll_all":
        agent_runs.insert(0, "enroll_all")
    rotations = sum(s in ("enroll_all", "renew_all") for s in agent_runs)
    sample = min(sequential_sample, certs) if "sequential" in wanted else 0
    with Fleet(
        workdir / "fleet",
        preset=preset.name,
        time_scale=preset.time_scale,
        firewalls=firewalls,
        per_firewall=per_firewall,
        rotations=max(rotations, 1) + (profile is not None),
        extra_keys=sample,
    ) as fleet:
        for name in agent_runs:
            before = fleet.counts()
            run = measure(
                agent_command(fleet.config, *_ARGS[name]),
                workdir / f"{name}.log",
                agent_env(),
            )
            after = fleet.counts()
            this_bound = noop_bound(preset) if name == "noop" else bound
            outcome = _outcome(
                run, before, after, certs=certs, firewalls=firewalls, bound=this_bound
            )
            if name == "noop":
                reads = sum(outcome.max_per_firewall.get(k, 0) for k in _READS)
                outcome.note = (
                    f"{reads} reads on the busiest firewall (1 location in use: the formula "
                    "allows 1 inventory read per firewall per location)"
                )
            if name in wanted:
                results[name] = outcome
            if echo:
                _echo(name, outcome)
        if profile is not None:
            _profile(fleet.config, profile, workdir)
        if sample:
            before = fleet.counts()
            run = measure(
                [
                    *agent_command(fleet.config)[:1],
                    "-m",
                    "bench.sequential",
                    "--config",
                    str(fleet.config),
                    "--count",
                    str(sample),
                    "--sleep",
                    repr(preset.dv_issue_s),
                ],
                workdir / "sequential.log",
                agent_env(),
            )
            after = fleet.counts()
            outcome = _outcome(
                run,
                before,
                after,
                certs=sample,
                firewalls=firewalls,
                bound=bound,
                scale_to=certs,
            )
            outcome.note = (
                f"measured on {sample} certificates ({run.wall_s:.2f} s), "
                f"extrapolated linearly to {certs}"
            )
            results["sequential"] = outcome
            if echo:
                _echo("sequential", outcome)
    return results


def _profile(config: Path, output: Path, workdir: Path) -> None:
    """One more forced renew of everything, under pyinstrument (not part of the figures:
    the profiler's own overhead would distort them)."""
    python = agent_command(config)[0]
    command = [python, "-m", "pyinstrument", "-r", "text", "-o", str(output)]
    command += ["-m", "pancert", "--config", str(config), "renew", "--force"]
    run = measure(command, workdir / "profile.log", agent_env())
    print(f"  profiled renew_all: {run.wall_s:.2f} s under pyinstrument -> {output}", flush=True)


def _echo(name: str, outcome: Outcome) -> None:
    f = outcome.figures
    status = "ok" if outcome.code == 0 else f"EXIT {outcome.code}, see {outcome.log}"
    print(
        f"  {name}: {f.certs} certs, wall {f.wall_s:.2f} s, bound {f.bound_s:.2f} s, "
        f"ratio {f.ratio:.2f}, agent CPU {f.cpu_ms_per_cert * f.certs / 1000:.1f} s, "
        f"sandbox CPU {outcome.sandbox_cpu_s:.1f} s, agent waited {f.agent_cpu_wait_s:.1f} s "
        f"for a CPU ({status})",
        flush=True,
    )


def as_json(outcomes: dict[str, Outcome]) -> dict[str, dict[str, Any]]:
    return {name: asdict(o.figures) for name, o in outcomes.items()}
