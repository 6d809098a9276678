"""The fleet: one ASGI app, each firewall on its own port; control endpoints; key pool."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from pancert.panos import PanosClient
from pancert.panos.models import SHARED
from pancert.sandbox.ca import SandboxCA
from pancert.sandbox.firewall import FirewallFleet, FirewallSettings, KeyPool
from pancert.sandbox.firewall.certs import public_der
from tests.panos.conftest import Sandbox
from tests.panos.helpers import csr_request


def test_each_port_is_its_own_firewall(make_sandbox: object) -> None:
    box: Sandbox = make_sandbox(count=3)  # type: ignore[operator]
    box.fleet.firewalls[1].seed_certificate("only-on-fw2")

    async def names(client: PanosClient) -> tuple[str, set[str]]:
        info = await client.system_info()
        return info.hostname, {e.name for e in await client.certificates(SHARED)}

    seen = [box.run(names, index) for index in range(3)]
    assert seen == [("fw1", set()), ("fw2", {"only-on-fw2"}), ("fw3", set())]
    described = box.fleet.describe()
    assert [d["port"] for d in described] == box.server.ports
    assert [d["url"] for d in described] == box.server.urls()
    assert {d["api_key"] for d in described} == {f.api_key for f in box.fleet.firewalls}


def test_bind_needs_one_port_per_firewall(sandbox_ca: SandboxCA) -> None:
    fleet = FirewallFleet(sandbox_ca, 2)
    with pytest.raises(ValueError, match="2 firewalls"):
        fleet.bind([1234])


def test_switches_and_faults_over_control(sandbox: Sandbox) -> None:
    control = sandbox.url() + "/_sandbox/"
    with httpx.Client(verify=sandbox.verify) as http:
        switched = http.post(
            control + "switches", json={"sw_version": "10.1.9", "ha_passive": True}
        )
        assert switched.json()["switches"]["sw_version"] == "10.1.9"
        assert http.post(control + "switches", json={"nope": 1}).status_code == 400
        added = http.post(
            control + "faults", json={"kind": "version", "fault": "5xx", "status": 500}
        )
        assert added.json()["added"]["fault"] == "5xx"
        api = sandbox.url() + "/api/"
        headers = {"X-PAN-KEY": sandbox.firewall.api_key}
        assert http.post(api, data={"type": "version"}, headers=headers).status_code == 500
        assert http.post(api, data={"type": "version"}, headers=headers).status_code == 200
        state = http.get(control + "state").json()
    assert state["calls"] == {"version": 2}
    assert sandbox.firewall.settings.ha_passive


def test_key_pool_keys_are_used_once_and_concurrent_generates_serialize(
    make_sandbox: object,
) -> None:
    pool = KeyPool().fill("EC", 256, 3)
    box: Sandbox = make_sandbox(key_pool=pool, keygen_latency_s={"EC-256": 0.01})  # type: ignore[operator]

    async def scenario(client: PanosClient) -> None:
        await asyncio.gather(
            *(client.generate_csr(csr_request(f"web-{i}"), SHARED) for i in range(4))
        )

    box.run(scenario)
    assert pool.remaining("EC", 256) == 0
    keys = {public_der(box.firewall.key_store.get("shared", f"web-{i}")) for i in range(4)}  # type: ignore[arg-type]
    assert len(keys) == 4
    assert len(box.firewall.changes) == 4


def test_fast_preset_has_the_benchmark_latencies() -> None:
    fast = FirewallSettings.fast()
    assert fast.keygen_latency_s["RSA-2048"] == 0.3
    assert fast.keygen_latency_s["EC-256"] == 0.05
    assert fast.serialize_mutations
