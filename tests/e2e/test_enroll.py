"""First enrollment end to end: the real CLI against the sandbox over HTTPS."""

from __future__ import annotations

import base64
import json

import pytest

from pancert.sandbox.world import ADMIN_LABEL, ProfileSpec, SandboxWorld

from .conftest import (
    VSYS1,
    Agent,
    ca_orders,
    certificate_names,
    configure,
    firewall_writes,
    running_text,
)

KEYS = [("RSA", 2048), ("RSA", 3072), ("RSA", 4096), ("EC", 256), ("EC", 384)]


@pytest.mark.any_ca
def test_every_key_the_firewall_can_generate_in_one_run_and_one_commit(world: SandboxWorld) -> None:
    specs = [
        ProfileSpec(f"k-{t.lower()}{s}", f"k{s}{t.lower()}.example.com", key_type=t, key_size=s)
        for t, s in KEYS
    ]
    agent = configure(world, *specs)
    result = agent("enroll", *[arg for spec in specs for arg in ("-p", spec.name)])
    assert result.code == 0, result.text
    fw = world.fleet.firewalls[0]
    assert sorted(certificate_names(fw)) == sorted(s.name for s in specs)
    assert len([c for c in fw.commits if c.user == fw.username]) == 1
    for spec in specs:
        algorithm = running_text(fw, f"{VSYS1}/certificate/entry[@name='{spec.name}']/algorithm")
        assert algorithm == [spec.key_type]
    assert ca_orders(world) == len(specs)


def test_enroll_needs_a_profile(agent: Agent) -> None:
    result = agent("enroll")
    assert result.code == 2
    assert "-p" in result.err


@pytest.mark.any_ca
def test_enroll_twice_reports_and_does_nothing(agent: Agent, world: SandboxWorld) -> None:
    assert agent("enroll", "-p", "web.yaml").code == 0
    writes = firewall_writes(world)
    again = agent("enroll", "-p", "web.yaml")
    assert again.code == 0, again.text
    assert "already deployed" in again.out
    assert firewall_writes(world) == writes
    assert ca_orders(world) == 1


@pytest.mark.any_ca
def test_one_certificate_profile_on_two_firewalls_gets_two_keys_and_orders(
    agent: Agent, world: SandboxWorld
) -> None:
    result = agent("enroll", "-p", "shop")
    assert result.code == 0, result.text
    pems = []
    for fw in world.fleet.firewalls:
        assert certificate_names(fw, "/config/shared") == ["shop"]
        pems += running_text(fw, "/config/shared/certificate/entry[@name='shop']/public-key")
    assert len(set(pems)) == 2
    assert ca_orders(world) == 2


def test_ev_waits_for_approval_across_runs(world: SandboxWorld) -> None:
    agent = configure(
        world,
        ProfileSpec("ev", "secure.example.com", credential=ADMIN_LABEL, cert_type="EV"),
        sectigo_collect_timeout=0,
    )
    first = agent("enroll", "-p", "ev")
    assert first.code == 0, first.text
    assert "pending" in first.out
    (order,) = world.scm.orders()
    fw = world.fleet.firewalls[0]
    assert running_text(fw, f"{VSYS1}/certificate/entry[@name='ev']/public-key") == []
    still = agent("renew")
    assert still.code == 0
    assert "pending" in still.out
    world.scm.approve(order.id)
    done = agent("renew")
    assert done.code == 0, done.text
    assert "deployed ev" in done.out
    assert certificate_names(world.fleet.firewalls[0]) == ["ev"]
    assert ca_orders(world) == 1


def test_dry_run_orders_changes_and_writes_nothing(agent: Agent, world: SandboxWorld) -> None:
    assert agent("validate").code == 0  # records the licence acceptance before the snapshot
    folder = agent.config.parent

    def snapshot() -> dict[str, bytes]:
        return {
            str(p.relative_to(folder)): p.read_bytes()
            for p in folder.rglob("*")
            if p.is_file() and p.suffix != ".log"
        }

    before = snapshot()
    result = agent("renew", "--dry-run")
    assert result.code == 0, result.text
    assert "planned" in result.out
    assert "generate key + CSR" in result.out
    assert firewall_writes(world) == 0
    assert world.scm.recorder.counts() == {}
    assert snapshot() == before


def test_a_run_with_nothing_due_calls_no_scm_and_writes_nothing(
    agent: Agent, world: SandboxWorld
) -> None:
    assert agent("renew").code == 0
    scm_calls = sum(world.scm.recorder.counts().values())
    writes = firewall_writes(world)
    journal = sorted((p.name, p.read_bytes()) for p in (agent.state / "journal").iterdir())
    result = agent("renew")
    assert result.code == 0, result.text
    assert sum(world.scm.recorder.counts().values()) == scm_calls
    assert firewall_writes(world) == writes
    assert sorted((p.name, p.read_bytes()) for p in (agent.state / "journal").iterdir()) == journal


@pytest.mark.parametrize("label", ["SCMDV", ADMIN_LABEL])
def test_ids_files_record_the_order_in_the_agents_format(world: SandboxWorld, label: str) -> None:
    agent = configure(world, ProfileSpec("web", "www.example.com", credential=label))
    assert agent("enroll", "-p", "web").code == 0
    (order,) = world.scm.orders()
    ids = json.loads(base64.b64decode((agent.state / "web.ids").read_text()))
    key = "sslId" if label == ADMIN_LABEL else "certId"
    assert ids[key] == order.id
