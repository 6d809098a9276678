"""A process killed from outside (SIGKILL by the sandbox when a call arrives), then rerun:
exactly one SCM order per rotation, and convergence. No crash hook exists in agent code."""

from __future__ import annotations

import pytest

from pancert.sandbox.faults import FaultInjector, FaultRule
from pancert.sandbox.world import ADMIN_LABEL, DEMO_PROFILES, ProfileSpec, SandboxWorld

from .conftest import VSYS1, Agent, ca_orders, certificate_names, configure, running_text

WEB = DEMO_PROFILES[0]


def killed_at(agent: Agent, faults: FaultInjector, kind: str, when: str, *args: str) -> None:
    process = agent.spawn(*args)
    faults.add(FaultRule(kind=kind, fault="kill", pgid=process.pid, when=when))  # type: ignore[arg-type]
    assert process.wait(120) == -9, process.communicate()


def assert_converged_once(agent: Agent, world: SandboxWorld, orders: int = 1) -> None:
    result = agent("renew")
    assert result.code == 0, result.text
    assert ca_orders(world) == orders
    fw = world.fleet.firewalls[0]
    (name,) = certificate_names(fw)
    assert running_text(
        fw, f"{VSYS1}/ssl-tls-service-profile/entry[@name='web-tls']/certificate"
    ) == [name]
    again = agent("renew")
    assert again.code == 0
    assert "unchanged" in again.out


def test_killed_right_after_enroll_then_the_admin_api_finds_the_order(world: SandboxWorld) -> None:
    agent = configure(
        world,
        ProfileSpec(
            "web", WEB.common_name, sans=WEB.sans, credential=ADMIN_LABEL, bindings=WEB.bindings
        ),
    )
    killed_at(agent, world.scm.faults, "enroll", "after", "enroll", "-p", "web")
    assert ca_orders(world) == 1
    assert agent.journal("web", "fw_sandbox1")["rotation"]["step"] == "ORDER_INTENT"
    assert_converged_once(agent, world)


def test_killed_right_after_enroll_on_the_rest_api_stops_for_a_person(world: SandboxWorld) -> None:
    agent = configure(world, WEB)
    killed_at(agent, world.scm.faults, "enroll", "after", "enroll", "-p", "web")
    (order,) = world.scm.orders()
    request_id = agent.journal("web", "fw_sandbox1")["rotation"]["request_id"]
    stopped = agent("renew")
    assert stopped.code == 1
    assert f"check SCM for request {request_id}" in stopped.out
    assert "pancert resolve -p web" in stopped.out
    assert ca_orders(world) == 1
    resolved = agent("resolve", "-p", "web", "--ssl-id", str(order.id))
    assert resolved.code == 0, resolved.text
    assert_converged_once(agent, world)


def test_resolve_none_orders_again_when_scm_has_nothing(world: SandboxWorld) -> None:
    agent = configure(world, WEB)
    killed_at(agent, world.scm.faults, "enroll", "before", "enroll", "-p", "web")
    assert world.scm.orders() == []
    assert agent("renew").code == 1
    resolved = agent("resolve", "-p", "web", "--none")
    assert resolved.code == 0, resolved.text
    assert_converged_once(agent, world)


@pytest.mark.any_ca
def test_killed_after_exporting_the_csr_reuses_the_pending_entry(world: SandboxWorld) -> None:
    agent = configure(world, WEB)
    killed_at(agent, world.fleet.firewalls[0].faults, "export", "after", "enroll", "-p", "web")
    assert agent.journal("web", "fw_sandbox1")["rotation"]["step"] == "CSR_INTENT"
    assert_converged_once(agent, world)
    generated = world.fleet.firewalls[0].recorder.counts().get("generate")
    assert generated == 1


@pytest.mark.parametrize(
    ("kind", "when"),
    [
        ("generate", "after"),
        ("import", "before"),
        ("import", "after"),
        ("config_edit", "after"),
        ("config_delete", "after"),
        ("commit", "after"),
    ],
)
@pytest.mark.any_ca
def test_killed_at_a_firewall_step_then_rerun_converges_with_one_order(
    world: SandboxWorld, kind: str, when: str
) -> None:
    agent = configure(world, WEB)
    assert agent("enroll", "-p", "web").code == 0
    killed_at(agent, world.fleet.firewalls[0].faults, kind, when, "renew", "--force", "-p", "web")
    assert_converged_once(agent, world, orders=2)
