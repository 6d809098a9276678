"""End-to-end harness: the real CLI, as a separate process, against a sandbox on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pancert.sandbox.firewall import FirewallSettings
from pancert.sandbox.scm import ScmSandboxSettings
from pancert.sandbox.world import DEMO_PROFILES, ProfileSpec, SandboxWorld


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
        self.env = dict(os.environ, PANCERT_ACCEPT_EULA="yes")
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
    scm: ScmSandboxSettings | None = None,
    fw: FirewallSettings | None = None,
) -> SandboxWorld:
    return SandboxWorld(
        tmp_path / "sandbox", firewalls=firewalls, scm_settings=scm, firewall_settings=fw
    )


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SandboxWorld]:
    with make_world(tmp_path) as started:
        yield started


@pytest.fixture
def agent(world: SandboxWorld) -> Agent:
    return Agent(world, world.write_configuration(DEMO_PROFILES))


def configure(world: SandboxWorld, *profiles: ProfileSpec, **overrides: Any) -> Agent:
    return Agent(world, world.write_configuration(profiles, **overrides))
