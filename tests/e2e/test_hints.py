"""A pair's failure shows the failing client's hint on the console and in
``status --json``, through the real CLI against the sandbox; and the failure is journalled
even for a pair that had nothing journalled before."""

from __future__ import annotations

from ruamel.yaml import YAML

from pancert.panos.errors import AuthenticationError, PassiveHaPeerError
from pancert.sandbox.world import ADMIN_LABEL, ProfileSpec, SandboxWorld
from pancert.scm.errors import ScmValidationError

from .conftest import Agent, configure

SHOP = ProfileSpec("shop", "shop.example.org", credential=ADMIN_LABEL)


def _last_error(agent: Agent) -> dict[str, object]:
    (row,) = agent.status()
    error = row["last_error"]
    assert isinstance(error, dict), row
    return error


def test_a_wrong_api_key_shows_its_hint_and_is_journalled(world: SandboxWorld) -> None:
    agent = configure(world, SHOP)
    path = agent.config.parent / "profiles" / "fw_sandbox1.yaml"
    yaml = YAML()
    data = yaml.load(path.read_text())
    data["paloalto_api_key"] = "not-the-key-of-this-firewall-0123456789"
    with path.open("w") as handle:
        yaml.dump(data, handle)
    result = agent("enroll", "-p", "shop")
    assert result.code == 1, result.text
    assert f"hint: {AuthenticationError.hint}" in result.out
    error = _last_error(agent)
    assert error["hint"] == AuthenticationError.hint
    assert error["error"] == "AuthenticationError"
    assert world.scm.orders() == []


def test_an_scm_validation_error_shows_its_hint(world: SandboxWorld) -> None:
    agent = configure(world, ProfileSpec("lab", "www.unvalidated.net", credential=ADMIN_LABEL))
    result = agent("enroll", "-p", "lab")
    assert result.code == 1, result.text
    assert f"hint: {ScmValidationError.hint}" in result.out
    error = _last_error(agent)
    assert error["hint"] == ScmValidationError.hint
    assert error["error"] == "ScmValidationError"
    assert "www.unvalidated.net" in str(error["message"])


def test_a_passive_ha_peer_shows_its_hint_and_nothing_is_written(world: SandboxWorld) -> None:
    agent = configure(world, SHOP)
    fw = world.fleet.firewalls[0]
    fw.set_switches({"ha_passive": True})
    result = agent("enroll", "-p", "shop")
    assert result.code == 1, result.text
    assert f"hint: {PassiveHaPeerError.hint}" in result.out
    error = _last_error(agent)
    assert error["hint"] == PassiveHaPeerError.hint
    assert error["error"] == "PassiveHaPeerError"
    assert world.scm.orders() == []
    assert fw.recorder.counts().get("generate", 0) == 0
