"""``pancert validate --online`` against the sandbox: it changes nothing and finds what a
first run would stumble on."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from pancert.sandbox.world import SandboxWorld

from .conftest import Agent, firewall_writes


def _edit(path: Path, label: str, key: str, value: str) -> None:
    yaml = YAML()
    data = yaml.load(path.read_text())
    (data[label] if label else data)[key] = value
    with path.open("w") as handle:
        yaml.dump(data, handle)


def test_online_checks_pass_on_the_sandbox_and_change_nothing(
    agent: Agent, world: SandboxWorld
) -> None:
    result = agent("validate", "--online")
    assert result.code == 0, result.text
    assert "SCM credential SCMDV (enrollment API): REST Enrollment API token accepted" in result.out
    assert "SCM credential SCMADMIN (admin API): Admin API login accepted" in result.out
    assert "profile shop orders type 7001 Sandbox SSL (DV), term 200 days" in result.out
    assert "firewall fw_sandbox1" in result.out
    assert "TLS identity verified" in result.out
    assert firewall_writes(world) == 0
    assert "enroll" not in world.scm.recorder.counts()


def test_a_wrong_client_secret_fails_naming_the_label(agent: Agent) -> None:
    creds = agent.config.parent / "profiles" / "sectigo_credentials.yaml"
    _edit(creds, "SCMDV", "sectigo_cm_user_secret", "definitely-not-the-secret")
    result = agent("validate", "--online")
    assert result.code == 1
    assert "SCM credential SCMDV" in result.out
    assert "definitely-not-the-secret" not in result.text


def test_a_wrong_api_key_fails_naming_the_firewall(agent: Agent) -> None:
    _edit(
        agent.config.parent / "profiles" / "fw_sandbox2.yaml",
        "",
        "paloalto_api_key",
        "not-a-valid-key-0123456789",
    )
    result = agent("validate", "--online")
    assert result.code == 1
    assert "failed: firewall fw_sandbox2" in result.out
    assert "not-a-valid-key-0123456789" not in result.text


def test_scm_auto_renewal_on_a_managed_certificate_is_warned(
    agent: Agent, world: SandboxWorld
) -> None:
    assert agent("enroll", "-p", "shop").code == 0
    for order in world.scm.orders():
        order.auto_renew_state = "Scheduled"
    result = agent("validate", "--online")
    assert result.code == 0, result.text
    assert "SCM's own auto-renewal is Scheduled" in result.out
