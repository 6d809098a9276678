"""An SCM outage that stops the enroll request before it is sent (no token, connection refused)
leaves nothing to resolve: the next run orders, once. "Outcome unknown" (and `pancert resolve`)
is only for a request that may have reached SCM."""

from __future__ import annotations

import socket

import pytest

from pancert.sandbox.faults import FaultRule
from pancert.sandbox.world import ENROLL_LABEL, ProfileSpec, SandboxWorld

from .conftest import FAST_CONFIG, Agent, certificate_names

WEB = ProfileSpec("web", "www.example.com", credential=ENROLL_LABEL)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _assert_recovers(agent: Agent, world: SandboxWorld, failed_text: str) -> None:
    assert world.scm.orders() == []
    assert "resolve" not in failed_text
    again = agent("renew")
    assert again.code == 0, again.text
    assert "resolve" not in again.text
    assert len(world.scm.orders()) == 1
    assert certificate_names(world.fleet.firewalls[0]) == ["web"]
    (order,) = world.scm.orders()
    rotation = agent.journal("web", "fw_sandbox1")["rotation"]
    assert (rotation["step"], rotation["order_id"]) == ("DEPLOYED", order.id)


@pytest.mark.parametrize("fault", ["5xx", "reset", "429"])
def test_a_token_endpoint_outage_is_retried_by_the_next_run_without_resolve(
    world: SandboxWorld, fault: str
) -> None:
    agent = Agent(world, world.write_configuration((WEB,), **FAST_CONFIG))
    rule = world.scm.add_fault(FaultRule(kind="token", fault=fault, times=-1, retry_after=0.1))  # type: ignore[arg-type]
    first = agent("enroll", "-p", "web")
    assert first.code != 0, first.text
    assert "token" in first.text
    world.scm.faults.clear()
    assert rule.fired
    _assert_recovers(agent, world, first.text)


def test_a_refused_connection_is_retried_by_the_next_run_without_resolve(
    world: SandboxWorld,
) -> None:
    # the token endpoint answers; the enroll host refuses connections
    dead = f"https://127.0.0.1:{_closed_port()}"
    agent = Agent(world, world.write_configuration((WEB,), **FAST_CONFIG, sectigo_scm_url=dead))
    first = agent("enroll", "-p", "web")
    assert first.code != 0, first.text
    assert "cannot connect" in first.text
    world.write_configuration((WEB,), **FAST_CONFIG)
    _assert_recovers(agent, world, first.text)


def test_one_token_failure_is_retried_within_the_run(world: SandboxWorld) -> None:
    agent = Agent(world, world.write_configuration((WEB,), **FAST_CONFIG))
    rule = world.scm.add_fault(FaultRule(kind="token", fault="5xx", times=1))
    result = agent("enroll", "-p", "web")
    assert result.code == 0, result.text
    assert rule.fired == 1
    assert len(world.scm.orders()) == 1
