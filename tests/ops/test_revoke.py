"""``pancert revoke`` against the sandbox, over both SCM APIs."""

from __future__ import annotations

import json

from pancert.sandbox.faults import FaultRule
from pancert.sandbox.world import DEMO_PROFILES, SandboxWorld
from tests.e2e.conftest import VSYS1, certificate_names, configure

SHARED = "/config/shared"


def test_revoke_replaces_first_then_deletes_on_both_apis(world: SandboxWorld) -> None:
    agent = configure(world, *DEMO_PROFILES, pancert_metrics_dir="off")
    assert agent("renew").code == 0
    before = {(o.common_name, o.id) for o in world.scm.orders()}
    web_old = next(r for r in agent.status() if r["profile"] == "web")

    # REST Enrollment API: web on one firewall, with bindings
    result = agent("revoke", "-p", "web", "--reason", "keyCompromise")
    assert result.code == 0, result.text
    orders = {o.id: o for o in world.scm.orders()}
    old = orders[web_old["ssl_id"]]
    assert old.revoked is not None
    assert old.reason_code == 1
    web_new = next(r for r in agent.status() if r["profile"] == "web")
    assert web_new["ssl_id"] != web_old["ssl_id"]
    assert web_new["state"] == "DEPLOYED"
    assert orders[web_new["ssl_id"]].revoked is None
    fw1 = world.fleet.firewalls[0]
    assert web_old["object"] not in certificate_names(fw1)  # deleted after the rebind
    assert web_new["object"] in certificate_names(fw1)
    assert fw1.binding_violations == []
    saved = json.loads((agent.state / "ops/revocations/web@fw_sandbox1.json").read_text())
    assert saved["step"] == "REPLACED"

    # Admin API: shop on two firewalls, removed without replacement
    shop_old = {r["firewall"]: r for r in agent.status() if r["profile"] == "shop"}
    count = len(world.scm.orders())
    result = agent("revoke", "-p", "shop", "--reason", "cessation-of-operation", "--remove")
    assert result.code == 0, result.text
    assert len(world.scm.orders()) == count  # nothing ordered
    orders = {o.id: o for o in world.scm.orders()}
    for firewall, fw in zip(("fw_sandbox1", "fw_sandbox2"), world.fleet.firewalls, strict=True):
        assert orders[shop_old[firewall]["ssl_id"]].reason_code == 5
        assert "shop" not in certificate_names(fw, SHARED)
    assert before <= {(o.common_name, o.id) for o in world.scm.orders()}


def test_a_revoke_killed_after_the_ca_call_resumes_without_revoking_twice(
    world: SandboxWorld,
) -> None:
    agent = configure(world, *DEMO_PROFILES, pancert_metrics_dir="off")
    assert agent("renew").code == 0
    process = agent.spawn("revoke", "-p", "shop", "--reason", "superseded")
    world.scm.faults.add(FaultRule(kind="revoke", fault="kill", pgid=process.pid, when="after"))
    assert process.wait(120) == -9
    revoked = [o for o in world.scm.orders() if o.revoked is not None]
    assert len(revoked) == 1
    result = agent("revoke", "-p", "shop", "--reason", "superseded")
    assert result.code == 0, result.text
    shop = [o for o in world.scm.orders() if o.common_name == "shop.example.org"]
    assert sum(o.revoked is not None for o in shop) == 2
    assert all(o.reason_code == 4 for o in shop if o.revoked is not None)
    assert len(shop) == 4  # two revoked, two replacements
    for firewall in world.fleet.firewalls:
        assert len(certificate_names(firewall, SHARED)) == 1
    assert all(r["state"] == "DEPLOYED" for r in agent.status())


def test_remove_of_a_bound_object_fails_with_the_paths_and_an_unknown_reason_is_usage(
    world: SandboxWorld,
) -> None:
    agent = configure(world, DEMO_PROFILES[0], pancert_metrics_dir="off")
    assert agent("renew").code == 0
    wrong = agent("revoke", "-p", "web", "--reason", "because")
    assert wrong.code == 2
    assert "keyCompromise" in wrong.err
    result = agent("revoke", "-p", "web", "--reason", "keyCompromise", "--remove")
    assert result.code == 1
    assert "✘ web on fw_sandbox1" in result.out
    assert "web" in certificate_names(world.fleet.firewalls[0], VSYS1)
    (order,) = world.scm.orders()
    assert order.revoked is not None  # revoked first; the object stays until unbound
