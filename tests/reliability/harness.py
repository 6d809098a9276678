"""A sandbox world tuned for many short runs, and the agent that runs against it.

Every reliability case drives the real CLI in a subprocess (the e2e harness's ``Agent``)
against a :class:`SandboxWorld` whose waits are zero: issuance is immediate, commits finish
at once, and ``sectigo_sleep_download`` / ``sectigo_collect_timeout`` are 0, so a run costs
its process start and its calls, not its sleeps.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pancert.errors import PancertError
from pancert.lifecycle.journal import Journal
from pancert.sandbox.faults import FaultRule
from pancert.sandbox.firewall import Firewall, FirewallSettings
from pancert.sandbox.scm import ScmSandboxSettings
from pancert.sandbox.world import DEMO_PROFILES, ProfileSpec, SandboxWorld
from tests.e2e.conftest import Agent, Result

__all__ = [
    "FAST_CONFIG",
    "HA_PAIRS",
    "HA_PROFILES",
    "PAIRS",
    "PROFILES",
    "Agent",
    "Case",
    "Result",
    "file_hashes",
    "settle",
]

FAST_CONFIG: dict[str, Any] = {"sectigo_sleep_download": 0, "sectigo_collect_timeout": 0}

PROFILES = (
    dataclasses.replace(DEMO_PROFILES[0], key_type="EC", key_size=256),
    dataclasses.replace(DEMO_PROFILES[1], extra={"sectigo_revoke_superseded": True}),
)
"""Both SCM APIs, both locations, a shared and an unshared profile, bindings to rebind."""

PAIRS = (("web", "fw_sandbox1"), ("shop", "fw_sandbox1"), ("shop", "fw_sandbox2"))

HA_PROFILES = tuple(dataclasses.replace(p, firewalls=("fw_ha1",)) for p in PROFILES)
"""The same profiles on one HA pair (``fw_ha1.yaml``: sandbox firewalls fw1 and fw2)."""

HA_PAIRS = (("web", "fw_ha1"), ("shop", "fw_ha1"))


def file_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (nothing half-written is a hash comparison)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@dataclass
class Case:
    """One world, one configuration, and the history of the runs made against it."""

    world: SandboxWorld
    agent: Agent
    results: list[Result] = field(default_factory=list)
    seen_orders: set[int] = field(default_factory=set)
    """Every order id a journal has held after some run (superseded ids leave the journal)."""

    @classmethod
    def start(
        cls,
        folder: Path,
        profiles: tuple[ProfileSpec, ...] = PROFILES,
        *,
        firewalls: int = 2,
        ha_pairs: int = 0,
        scm: ScmSandboxSettings | None = None,
        fw: FirewallSettings | None = None,
        **config: Any,
    ) -> Case:
        world = SandboxWorld(
            folder / "sandbox",
            firewalls=firewalls,
            ha_pairs=ha_pairs,
            # one collect per run (sectigo_collect_timeout 0): SCM's first "being processed"
            # answer would only double the runs here; tests/e2e and tests/scm keep it
            scm_settings=scm or ScmSandboxSettings(pending_collects=0),
            firewall_settings=fw or FirewallSettings(commit_duration_s=0.0),
        ).start()
        for pair in world.ha_pairs:
            pair.switches.sync_delay_s = 0.0
        agent = Agent(world, world.write_configuration(profiles, **{**FAST_CONFIG, **config}))
        return cls(world, agent)

    def stop(self) -> None:
        self.world.stop()

    @property
    def firewalls(self) -> list[Firewall]:
        return self.world.fleet.firewalls

    def run(self, *args: str, timeout: float = 300) -> Result:
        result = self.agent(*args, timeout=timeout)
        self.results.append(result)
        self.remember_orders()
        return result

    def remember_orders(self) -> None:
        """Note the order ids the journal holds now (a later rotation replaces them)."""
        journal = Journal(self.state)
        try:
            records = journal.records()
        except PancertError:
            return  # the invariants report an unreadable (or refused) journal
        for r in records:
            self.seen_orders.update(i for i in (r.current_order_id,) if i is not None)
            if r.rotation is not None and r.rotation.order_id is not None:
                self.seen_orders.add(r.rotation.order_id)

    def spawn_and_wait(self, *args: str, timeout: float = 300) -> Result:
        """Run in a new session (a ``kill`` fault SIGKILLs its group) and wait for it."""
        process = self.agent.spawn(*args)
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
        result = Result(process.returncode, out, err)
        self.results.append(result)
        return result

    def add_fault(self, target: str, rule: FaultRule) -> FaultRule:
        """``target`` is ``scm``, ``pano`` (the sandbox Panorama) or ``fw1``/``fw2``…"""
        if target == "scm":
            return self.world.scm.faults.add(rule)
        if target == "pano":
            return self.world.panorama.faults.add(rule)
        return self.firewalls[int(target.removeprefix("fw")) - 1].faults.add(rule)

    def clear_faults(self) -> None:
        self.world.scm.faults.clear()
        self.world.panorama.faults.clear()
        for firewall in self.firewalls:
            firewall.faults.clear()
            firewall.fail_commits = 0
            firewall.commit_lock = None
            firewall.config_lock = None

    def calls(self) -> dict[str, dict[str, int]]:
        found = {
            "scm": self.world.scm.recorder.counts(),
            "pano": self.world.panorama.recorder.counts(),
        }
        for index, firewall in enumerate(self.firewalls, start=1):
            found[f"fw{index}"] = firewall.recorder.counts()
        return found

    @property
    def state(self) -> Path:
        return self.agent.state

    @property
    def config_folder(self) -> Path:
        return self.world.folder


_RESOLVE = re.compile(r"pancert resolve -p (?P<profile>\S+) --firewall (?P<firewall>\S+)")


def settle(case: Case, *, runs: int = 3) -> Result:
    """Fault-free reruns until the run exits 0, playing the person where pancert asks for
    one: an order whose fate the REST Enrollment API cannot tell is looked up in the sandbox
    by its request id and recorded with ``pancert resolve`` (or ``--none``)."""
    result = case.run("renew")
    for _ in range(runs - 1):
        if result.code == 0:
            return result
        for profile, firewall in dict.fromkeys(_RESOLVE.findall(result.text)):
            record = json.loads((case.state / "journal" / f"{profile}@{firewall}.json").read_text())
            request_id = record["rotation"]["request_id"]
            orders = [o.id for o in case.world.scm.orders() if request_id in o.comments]
            choice = ["--ssl-id", str(orders[0])] if orders else ["--none"]
            resolved = case.run("resolve", "-p", profile, "--firewall", firewall, *choice)
            assert resolved.code == 0, resolved.text
        result = case.run("renew")
    return result
