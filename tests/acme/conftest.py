"""ACME end to end: the real CLI against Pebble (Debian package) and the sandbox firewalls."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from pancert.sandbox.acme import ACME_LABEL, AcmeSandbox, AcmeSandboxSettings
from pancert.sandbox.world import ProfileSpec, SandboxWorld
from tests.e2e.conftest import FAST_CONFIG, FAST_FIREWALL, Agent, assert_no_key_left_a_firewall

SITE = ProfileSpec(
    "site",
    "vpn.example.net",
    sans=("portal.example.net",),
    key_type="EC",
    key_size=256,
    credential=ACME_LABEL,
    bindings=(("ssl_tls_service_profile", "web-tls"),),
)

WorldFactory = Callable[..., SandboxWorld]


@pytest.fixture
def acme_world(tmp_path: Path) -> Iterator[WorldFactory]:
    """Start a sandbox with Pebble in the settings the test asks for; stopped afterwards, and
    no private key ever left a firewall."""
    started: list[SandboxWorld] = []

    def make(**settings: Any) -> SandboxWorld:
        world = SandboxWorld(
            tmp_path / "sandbox",
            firewalls=1,
            firewall_settings=FAST_FIREWALL,
            acme=AcmeSandboxSettings(**settings),
        ).start()
        started.append(world)
        return world

    yield make
    for world in started:
        world.stop()
        assert_no_key_left_a_firewall(world)


def acme_agent(world: SandboxWorld, *profiles: ProfileSpec, **overrides: Any) -> Agent:
    return Agent(
        world, world.write_configuration(profiles or (SITE,), **{**FAST_CONFIG, **overrides})
    )


def pebble(world: SandboxWorld) -> AcmeSandbox:
    assert world.acme is not None
    return world.acme


def edit_credential(agent: Agent, **changes: Any) -> None:
    """Change keys of the ACME label the way an administrator would (None removes a key)."""
    path = agent.config.parent / "profiles" / "sectigo_credentials.yaml"
    yaml = YAML()
    data = yaml.load(path.read_text())
    for key, value in changes.items():
        if value is None:
            data[ACME_LABEL].pop(key, None)
        else:
            data[ACME_LABEL][key] = value
    with path.open("w") as handle:
        yaml.dump(data, handle)


def order_book(agent: Agent) -> list[dict[str, Any]]:
    folder = agent.state / "acme" / "orders"
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
