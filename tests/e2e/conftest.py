"""End-to-end harness: the real CLI, as a separate process, against a sandbox on loopback."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from pancert.sandbox.acme import ACME_LABEL, AcmeSandboxSettings
from pancert.sandbox.firewall import FirewallSettings
from pancert.sandbox.scm import ScmSandboxSettings
from pancert.sandbox.world import DEMO_PROFILES, ProfileSpec, SandboxWorld

FAST_FIREWALL = FirewallSettings(commit_duration_s=0.0)
"""Commits finish at once, so a run's first job poll already sees FIN."""
FAST_CONFIG: dict[str, Any] = {"sectigo_sleep_download": 0}
WAIT_SCALE = "0.02"
"""pancert's own sleeps at 1/50 (src/pancert/commands/_waits.py): SCM's "being processed"
still costs a second collect, 0.1 s later instead of 5 s; test_waits.py keeps the default."""


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


class Agent:
    """Runs ``python -m pancert --config … ARGS`` in its own process group."""

    def __init__(self, world: SandboxWorld, config: Path) -> None:
        self.world = world
        self.config = config
        self.env = dict(os.environ, PANCERT_ACCEPT_EULA="yes", PANCERT_TEST_WAIT_SCALE=WAIT_SCALE)
        self.env.pop("sectigo_pycert_config", None)

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "pancert", "--config", str(self.config), *args]

    def __call__(self, *args: str, timeout: float = 120) -> Result:
        done = subprocess.run(
            self.command(*args),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        """Start without waiting, in a new session so a sandbox fault can SIGKILL the group."""
        return subprocess.Popen(
            self.command(*args),
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def status(self) -> list[dict[str, Any]]:
        result = self("status", "--json")
        assert result.code == 0, result.text
        rows = json.loads(result.out)
        assert isinstance(rows, list)
        return rows

    def journal(self, profile: str, firewall: str) -> dict[str, Any]:
        path = self.state / "journal" / f"{profile}@{firewall}.json"
        data = json.loads(path.read_text())
        assert isinstance(data, dict)
        return data

    @property
    def state(self) -> Path:
        return self.config.parent / "state"


def make_world(
    tmp_path: Path,
    *,
    firewalls: int = 2,
    ha_pairs: int = 0,
    scm: ScmSandboxSettings | None = None,
    fw: FirewallSettings | None = None,
    acme: AcmeSandboxSettings | None = None,
) -> SandboxWorld:
    return SandboxWorld(
        tmp_path / "sandbox",
        firewalls=firewalls,
        ha_pairs=ha_pairs,
        scm_settings=scm,
        firewall_settings=fw or FAST_FIREWALL,
        acme=acme,
    )


CA_KINDS = ("scm", "acme")
"""Cases marked ``any_ca`` run against each: the SCM sandbox, and Pebble through ACME (every
profile's credential becomes the ACME label; Pebble validates every challenge)."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("any_ca") is not None:
        metafunc.parametrize("ca_kind", CA_KINDS)


@pytest.fixture
def ca_kind() -> str:
    return "scm"


def ca_orders(world: SandboxWorld) -> int:
    """Orders the CA received: SCM's order store, or new-order requests that reached Pebble."""
    if world.acme is not None:
        return len(world.acme.ari.new_orders)
    return len(world.scm.orders())


def assert_no_key_left_a_firewall(world: SandboxWorld) -> None:
    """No private key exported, and the API key never in a URL or a form body."""
    for firewall in world.fleet.firewalls:
        assert firewall.refused_key_exports == 0
        for record in firewall.recorder.records():
            if record["kind"] == "keygen":
                continue
            assert firewall.api_key not in record["query"] + record["body"]
            assert "key=" not in record["query"]


@pytest.fixture
def world(tmp_path: Path, ca_kind: str) -> Iterator[SandboxWorld]:
    """A sandbox per test; after the test, the key hygiene every test must keep."""
    acme = AcmeSandboxSettings(always_valid=True) if ca_kind == "acme" else None
    with make_world(tmp_path, acme=acme) as started:
        yield started
        assert_no_key_left_a_firewall(started)


@pytest.fixture
def agent(world: SandboxWorld) -> Agent:
    return configure(world, *DEMO_PROFILES)


def configure(world: SandboxWorld, *profiles: ProfileSpec, **overrides: Any) -> Agent:
    if world.acme is not None:
        profiles = tuple(dataclasses.replace(p, credential=ACME_LABEL) for p in profiles)
    return Agent(world, world.write_configuration(profiles, **{**FAST_CONFIG, **overrides}))


VSYS1 = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']"
MUTATING = {"config_set", "config_edit", "config_delete", "generate", "import", "commit"}


def running_text(firewall: Any, xpath: str) -> list[str]:
    found = firewall.running.xpath(xpath)
    return [str(n.text if hasattr(n, "text") else n).strip() for n in found]


def certificate_names(firewall: Any, location: str = VSYS1) -> list[str]:
    return running_text(firewall, f"{location}/certificate/entry/@name")


def firewall_writes(world: SandboxWorld) -> int:
    return sum(
        count
        for fw in world.fleet.firewalls
        for kind, count in fw.recorder.counts().items()
        if kind in MUTATING
    )


def edit_profile(agent: Agent, name: str, **changes: object) -> None:
    """Change keys of a certificate profile the way an administrator would (comments kept)."""
    path = agent.config.parent / "profiles" / f"{name}.yaml"
    yaml = YAML()
    data = yaml.load(path.read_text())
    data.update(changes)
    with path.open("w") as handle:
        yaml.dump(data, handle)
