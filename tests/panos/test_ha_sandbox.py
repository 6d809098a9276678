"""The sandbox's HA pairs as a client sees them: pan-os-python's own HA helpers, config sync
after a commit, refusals on the passive peer, failover and the sync faults."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from panos.firewall import Firewall as PanosFirewall

from pancert.panos import PanosClient
from pancert.panos.errors import PassiveHaPeerError
from pancert.panos.models import CsrRequest, KeyAlgorithm, Location
from pancert.sandbox.ca import SandboxCA
from pancert.sandbox.firewall import Firewall, FirewallFleet
from pancert.sandbox.ha import HaPair
from pancert.sandbox.server import LoopbackServer
from tests.panos.conftest import Sandbox, fast_settings

SHARED = Location("shared")


@dataclass
class PairBox:
    sandbox: Sandbox
    pair: HaPair

    def control(self, path: str, body: dict[str, object] | None = None) -> dict[str, object]:
        url = self.sandbox.url(0) + "/_sandbox/" + path
        with httpx.Client(verify=self.sandbox.verify) as http:
            reply = http.post(url, json=body or {}) if body is not None else http.get(url)
        assert reply.status_code == 200, reply.text
        data = reply.json()
        assert isinstance(data, dict)
        return data

    def wait_synced(self) -> None:
        deadline = time.monotonic() + 10
        while self.pair.describe()["running_sync"] != "synchronized":
            assert time.monotonic() < deadline, self.pair.describe()
            time.sleep(0.02)


@pytest.fixture
def box(sandbox_ca: SandboxCA, ca_bundle: Path) -> Iterator[PairBox]:
    fleet = FirewallFleet(sandbox_ca, 2, settings=fast_settings())
    pair = HaPair("ha1", fleet.firewalls[0], fleet.firewalls[1])
    pair.switches.sync_delay_s = 0.05
    server = LoopbackServer(fleet.app, sandbox_ca, count=2).start()
    fleet.bind(server.ports)
    try:
        yield PairBox(Sandbox(fleet, server, ca_bundle), pair)
    finally:
        server.stop()


def _panos(box: PairBox, index: int) -> PanosFirewall:
    fw = box.sandbox.fleet.firewalls[index]
    assert fw.port is not None
    return PanosFirewall("localhost", api_key=fw.api_key, port=fw.port)


def test_pan_os_python_ha_helpers_work_unchanged(box: PairBox) -> None:
    first, second = _panos(box, 0), _panos(box, 1)
    state, xml = first.show_highavailability_state()
    assert state == "active"
    assert xml is not None
    assert xml.findtext("result/group/peer-info/state") == "passive"
    assert xml.findtext("result/group/running-sync-enabled") == "yes"
    first.set_ha_peers(second)
    assert first.refresh_ha_active() == "active"
    assert first.active() is first
    assert second.passive() is second
    assert first.config_synced()

    box.control("ha/failover", {})
    assert first.refresh_ha_active() == "passive"
    assert first.active() is second
    assert second.show_highavailability_state()[0] == "active"
    assert first.synchronize_config() is True  # already synchronized: nothing to do


def test_a_commit_on_the_active_peer_reaches_the_passive_with_its_key(box: PairBox) -> None:
    active, passive = box.sandbox.fleet.firewalls
    name = "synced-csr"

    async def scenario(client: PanosClient) -> None:
        state = await client.ha_state()
        assert state.enabled
        assert state.local_state == "active"
        request = CsrRequest(name, "synced.example.com", KeyAlgorithm.EC, 256)
        await client.generate_csr(request, SHARED)
        result = await client.commit("admin", "ha test")
        assert result.job_id is not None
        await client.wait_for_job(result.job_id, 10, first_delay_s=0.0, sleep=_fast)

    assert name not in _names(passive)
    box.sandbox.run(scenario, 0)
    box.wait_synced()
    assert name in _names(passive)
    assert _names(passive) == _names(active)
    assert passive.key_store.get("shared", name) is not None
    assert box.pair.syncs == 1


def test_uncommitted_changes_never_sync(box: PairBox) -> None:
    active, passive = box.sandbox.fleet.firewalls

    async def scenario(client: PanosClient) -> None:
        request = CsrRequest("pending-only", "pending.example.com", KeyAlgorithm.EC, 256)
        await client.generate_csr(request, SHARED)

    box.sandbox.run(scenario, 0)
    box.control("ha/failover", {})
    assert "pending-only" not in _names(passive)
    assert passive.key_store.get("shared", "pending-only") is None
    assert active.changes  # still pending on the old active, as on a device


def test_writes_on_the_passive_peer_are_refused_and_recorded(box: PairBox) -> None:
    async def scenario(client: PanosClient) -> None:
        assert (await client.ha_state()).passive
        with pytest.raises(PassiveHaPeerError):
            await client.delete_certificate("anything", SHARED)
        with pytest.raises(PassiveHaPeerError):
            await client.commit("admin")

    box.sandbox.fleet.firewalls[1].seed_certificate("anything", location="shared")
    box.sandbox.run(scenario, 1)
    writes = box.control("ha")["passive_writes"]
    assert isinstance(writes, list)
    assert [w["kind"] for w in writes] == ["config_delete", "commit"]


def test_the_management_selection_does_not_sync(box: PairBox) -> None:
    active, passive = box.sandbox.fleet.firewalls
    xpath = "/config/devices/entry/deviceconfig/system/ssl-tls-service-profile"
    active.candidate.xpath(xpath)[0].text = "other-tls"  # type: ignore[index,union-attr]
    active.seed_certificate("also-new", location="shared")
    active.commit_by_other()
    box.wait_synced()
    assert active.running.xpath(xpath)[0].text == "other-tls"  # type: ignore[index,union-attr]
    assert passive.running.xpath(xpath)[0].text == "mgmt-tls"  # type: ignore[index,union-attr]
    assert "also-new" in _names(passive)  # the rest did sync
    assert passive.running.findtext(".//hostname") == passive.name


@pytest.mark.parametrize(
    ("switches", "sync_enabled", "running_sync"),
    [
        ({"sync_enabled": False}, "no", "not synchronized"),
        ({"sync_never_completes": True}, "yes", "synchronization in progress"),
    ],
)
def test_sync_faults_as_the_op_command_reports_them(
    box: PairBox, switches: dict[str, object], sync_enabled: str, running_sync: str
) -> None:
    box.control("ha", switches)
    active, passive = box.sandbox.fleet.firewalls
    active.seed_certificate("late", location="shared")
    active.commit_by_other()
    time.sleep(0.1)
    for index in (0, 1):
        _state, xml = _panos(box, index).show_highavailability_state()
        assert xml is not None
        assert xml.findtext("result/group/running-sync-enabled") == sync_enabled
        assert xml.findtext("result/group/running-sync") == running_sync
    assert "late" not in _names(passive)


def test_failover_after_a_call_and_bad_switches(box: PairBox) -> None:
    box.control("ha", {"failover_after": {"kind": "ha_state", "count": 2}})
    assert _panos(box, 0).show_highavailability_state()[0] == "active"
    assert _panos(box, 0).show_highavailability_state()[0] == "active"  # answered, then over
    assert _panos(box, 0).show_highavailability_state()[0] == "passive"
    assert box.pair.failovers == ["fw2"]
    with httpx.Client(verify=box.sandbox.verify) as http:
        reply = http.post(box.sandbox.url(0) + "/_sandbox/ha", json={"nope": 1})
    assert reply.status_code == 400
    assert "unknown HA switches" in reply.text


def _names(fw: Firewall) -> list[str]:
    return sorted(str(e.get("name")) for e in fw.running.iterfind(".//certificate/entry"))


async def _fast(seconds: float) -> None:
    return None
