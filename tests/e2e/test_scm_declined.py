"""An order declined in SCM fails the next run at once with SCM's words, instead of being
polled until the collect limit run after run."""

from __future__ import annotations

from pancert.sandbox.world import ADMIN_LABEL, ProfileSpec, SandboxWorld

from .conftest import configure


def test_a_declined_order_fails_at_once_with_scms_words(world: SandboxWorld) -> None:
    spec = ProfileSpec("ov", "secure.example.com", credential=ADMIN_LABEL, cert_type="OV")
    waiting = configure(world, spec, sectigo_collect_timeout=0)
    first = waiting("enroll", "-p", "ov")
    assert first.code == 0, first.text
    assert "pending" in first.out
    (order,) = world.scm.orders()
    world.scm.store.decline(order.id, world.scm.now())
    # the default collect limit (300 s) is longer than the CLI's timeout here: a run that
    # polled a declined order until the limit would not finish in time
    agent = configure(world, spec)
    declined = agent("renew", timeout=100)
    assert declined.code != 0, declined.text
    assert "Declined" in declined.text
    assert "Certificate is not collectable." in declined.text
    assert len(world.scm.orders()) == 1
