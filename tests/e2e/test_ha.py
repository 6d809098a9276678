"""HA pairs end to end: the real CLI against a sandbox pair (``fw_ha1.yaml`` lists both
peers). Writes reach only the active peer, the passive one shows the result after the sync,
and a failover — between runs or between two steps of one run — still ends with exactly one
order per rotation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pancert.sandbox.firewall import Firewall
from pancert.sandbox.ha import HaPair
from pancert.sandbox.world import HA_PROFILE, ProfileSpec, SandboxWorld

from .conftest import (
    MUTATING,
    VSYS1,
    Agent,
    assert_no_key_left_a_firewall,
    certificate_names,
    configure,
    make_world,
    running_text,
)

SHARED = "/config/shared"
GP_TLS = f"{VSYS1}/ssl-tls-service-profile/entry[@name='gp-tls']/certificate"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SandboxWorld]:
    with make_world(tmp_path, firewalls=0, ha_pairs=1) as started:
        started.ha_pairs[0].switches.sync_delay_s = 0.1
        yield started
        assert_no_key_left_a_firewall(started)


@pytest.fixture
def pair(world: SandboxWorld) -> HaPair:
    return world.ha_pairs[0]


@pytest.fixture
def agent(world: SandboxWorld) -> Agent:
    return configure(world, HA_PROFILE)


def writes(fw: Firewall) -> dict[str, int]:
    return {k: n for k, n in fw.recorder.counts().items() if k in MUTATING}


def orders_for(world: SandboxWorld) -> int:
    return len(world.scm.orders())


def assert_converged_on_both(pair: HaPair) -> str:
    """The active and the passive peer run the same certificate, bound to gp-tls."""
    (name,) = certificate_names(pair.active)
    assert certificate_names(pair.passive) == [name]
    assert running_text(pair.active, GP_TLS) == [name]
    assert running_text(pair.passive, GP_TLS) == [name]
    assert pair.passive.key_store.get("vsys1", name) is not None
    return name


def test_a_pair_is_enrolled_and_rotated_through_the_active_peer_only(
    world: SandboxWorld, pair: HaPair, agent: Agent
) -> None:
    active, passive = pair.active, pair.passive
    first = agent("enroll", "-p", "ha_portal")
    assert first.code == 0, first.text
    assert "ha_portal on fw_ha1: converged" in first.out
    old = assert_converged_on_both(pair)
    rotated = agent("renew", "--force", "-p", "ha_portal")
    assert rotated.code == 0, rotated.text
    new = assert_converged_on_both(pair)
    assert new != old
    assert orders_for(world) == 2  # one per issuance
    assert pair.passive_writes == []
    assert writes(passive) == {}
    assert writes(active)["generate"] == 2
    assert agent.journal("ha_portal", "fw_ha1")["current_object"] == new
    calm = agent("renew")
    assert calm.code == 0, calm.text
    assert "unchanged" in calm.out
    assert orders_for(world) == 2


def test_failover_between_runs_continues_on_the_new_active(
    world: SandboxWorld, pair: HaPair, agent: Agent
) -> None:
    assert agent("enroll", "-p", "ha_portal").code == 0
    old_active = pair.active
    pair.failover()
    before = writes(old_active)
    rotated = agent("renew", "--force", "-p", "ha_portal")
    assert rotated.code == 0, rotated.text
    assert pair.active is not old_active
    assert writes(old_active) == before  # the now passive peer was not written
    assert pair.passive_writes == []
    assert_converged_on_both(pair)
    assert orders_for(world) == 2


@pytest.mark.parametrize(
    ("after", "count"),
    [
        ("generate", 1),  # the new key is only on the old active
        ("import", 1),  # the key synced; the signed certificate did not
        ("commit", 2),  # the final commit's job ran on the peer that is now passive
    ],
)
def test_failover_between_two_steps_of_one_run_converges_with_one_order(
    world: SandboxWorld, pair: HaPair, agent: Agent, after: str, count: int
) -> None:
    assert agent("enroll", "-p", "ha_portal").code == 0
    pair.set_switches({"failover_after": {"kind": after, "count": count}})
    interrupted = agent("renew", "--force", "-p", "ha_portal")
    assert interrupted.code == 1, interrupted.text
    assert "failed over during the run" in interrupted.text
    assert "hint:" in interrupted.text
    assert pair.failovers
    resumed = agent("renew", "-p", "ha_portal")
    assert resumed.code == 0, resumed.text
    assert "converged" in resumed.out
    assert_converged_on_both(pair)
    assert orders_for(world) == 2  # the enrollment's and exactly one for the rotation
    # the only write that reached a passive peer is the one that revealed the failover
    assert len(pair.passive_writes) <= 1
    assert agent("renew").code == 0
    assert orders_for(world) == 2


def test_a_sync_that_never_completes_fails_with_a_hint_then_recovers(
    world: SandboxWorld, pair: HaPair, agent: Agent
) -> None:
    assert agent("enroll", "-p", "ha_portal").code == 0
    profile = agent.config.parent / "profiles" / "fw_ha1.yaml"
    profile.write_text(profile.read_text() + "paloalto_ha_sync_timeout: 1\n")
    pair.set_switches({"sync_never_completes": True})
    stuck = agent("renew", "--force", "-p", "ha_portal")
    assert stuck.code == 1, stuck.text
    assert "running-sync still reads 'synchronization in progress'" in stuck.text
    assert "sync-to-remote" in stuck.text  # the hint
    orders = orders_for(world)
    assert orders == 1  # the key never reached the passive peer: nothing was ordered
    pair.set_switches({"sync_never_completes": False})
    pair.sync_due = 0.0  # the stuck sync lands
    healed = agent("renew", "-p", "ha_portal")
    assert healed.code == 0, healed.text
    assert_converged_on_both(pair)
    assert orders_for(world) == 2
    assert pair.passive_writes == []


def test_sync_disabled_is_a_clear_failure_and_nothing_is_written(
    world: SandboxWorld, pair: HaPair, agent: Agent
) -> None:
    pair.set_switches({"sync_enabled": False})
    result = agent("enroll", "-p", "ha_portal")
    assert result.code == 1, result.text
    assert "config sync is disabled" in result.text
    assert "Enable Config Sync" in result.text
    assert all(writes(fw) == {} for fw in pair.peers)
    assert orders_for(world) == 0
    (row,) = agent.status()
    assert row["last_error"]["error"] == "HaSyncDisabledError"
    assert "config sync is disabled" in row["last_error"]["message"]
    assert "Enable Config Sync" in row["last_error"]["hint"]  # the hint reaches status --json


def test_per_peer_management_certificates_rotate_on_both_peers(
    world: SandboxWorld, pair: HaPair
) -> None:
    """Each peer's management interface selects its own SSL/TLS profile (the selection does
    not sync); one certificate profile per peer binds that profile. Both are rotated through
    the active peer; sync carries them, and each peer's selection now presents its own new
    certificate."""
    for peer in pair.peers:
        peer.management.context = None  # record what is served; TLS adoption is tested apart
    profiles = pair.per_peer_management()
    specs = tuple(
        ProfileSpec(
            name=f"mgmt-{peer.name}",
            common_name=f"{peer.name}-mgmt.example.com",
            firewalls=("fw_ha1",),
            location="shared",
            key_type="EC",
            key_size=256,
            bindings=(("ssl_tls_service_profile", profile),),
            extra={"paloalto_allow_management": True},
        )
        for peer, profile in zip(pair.peers, profiles, strict=True)
    )
    agent = configure(world, *specs)
    for round_ in ("renew", "renew --force"):
        result = agent(*round_.split())
        assert result.code == 0, result.text
        for peer, spec in zip(pair.peers, specs, strict=True):
            current = agent.journal(spec.name, "fw_ha1")["current_object"]
            for fw in pair.peers:  # the objects and profiles are on both peers
                assert current in certificate_names(fw, SHARED)
            assert peer.management.served == current  # and each peer serves its own
    assert pair.passive_writes == []
    assert writes(pair.passive) == {}
    assert orders_for(world) == 4


def test_validate_online_reads_both_peers_and_names_the_active(
    world: SandboxWorld, pair: HaPair, agent: Agent
) -> None:
    result = agent("validate", "--online")
    assert result.code == 0, result.text
    assert "HA active, writes go to the active peer" in result.out
    calls = [fw.recorder.counts().get("ha_state", 0) for fw in pair.peers]
    assert all(n >= 1 for n in calls), calls
    pair.set_switches({"sync_enabled": False})
    broken = agent("validate", "--online")
    assert broken.code != 0
    assert "config sync is disabled" in broken.text
