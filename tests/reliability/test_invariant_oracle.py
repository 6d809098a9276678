"""The invariants judge ownership from the sandbox's record, not from pancert's naming.

The sandbox firewall records which admin's API call generated or imported every certificate
object (``Firewall.created_by``). A check that asked pancert's own ``is_rotation_of`` which
objects are pancert's would share any bug in it: with the sibling-profile bug planted (a
``web-shopping`` object taken for a rotation of ``web``), pancert's journal for ``web`` claims
``web-shopping``'s object and a shape-based check agrees with it. These tests build the
firewall through the sandbox's own generate handler, plant that bug, and show the invariants
still see it. No subprocess, no server: the sandbox state is in-process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from lxml import etree

from pancert.lifecycle import naming
from pancert.lifecycle.journal import Journal, PairRecord
from pancert.sandbox.firewall import Firewall
from pancert.sandbox.firewall.handlers import generate
from pancert.sandbox.firewall.settings import FirewallSettings

from . import invariants
from .invariants import converged_problems, made_by_pancert

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
PAIRS = (("web", "fw_sandbox1"), ("web-shopping", "fw_sandbox1"))


@dataclass
class World:
    standalone: list[Firewall]
    ha_pairs: list[object] = field(default_factory=list)


@dataclass
class Snapshot:
    """What :func:`converged_problems` reads of a case: the state folder and the firewalls."""

    state: Path
    firewalls: list[Firewall]

    @property
    def world(self) -> World:
        return World(self.firewalls)


def _generate(firewall: Firewall, name: str, user: str) -> None:
    spec = etree.fromstring(
        f"<generate><certificate-name>{name}</certificate-name><name>{name}.example.com</name>"
        "<algorithm><ECDSA><ecdsa-nbits>256</ecdsa-nbits></ECDSA></algorithm>"
        "<signed-by>external</signed-by></generate>"
    )
    asyncio.run(generate(firewall, user, spec, "shared"))


def _sibling_is_a_rotation(name: str, profile: str) -> bool:
    """The planted bug: any ``profile-*`` name counts as one of the profile's rotations."""
    return name == profile or name.startswith(f"{profile}-")


@pytest.fixture
def world(tmp_path: Path) -> Snapshot:
    firewall = Firewall("fw1", FirewallSettings(), "0001")
    for name in ("web-2abcdefg", "web-shopping"):
        _generate(firewall, name, firewall.username)
    firewall.set_reference("ssl_tls_service_profile", "web-shopping")
    journal = Journal(tmp_path)
    journal.save(
        PairRecord(profile="web", firewall="fw_sandbox1", current_object="web-2abcdefg"), NOW
    )
    journal.save(
        PairRecord(profile="web-shopping", firewall="fw_sandbox1", current_object="web-shopping"),
        NOW,
    )
    return Snapshot(tmp_path, [firewall])


def test_the_sandbox_records_who_generated_each_object(world: Snapshot) -> None:
    firewall = world.firewalls[0]
    firewall.add_admin("someone-else", "pw")
    _generate(firewall, "persons-object", "someone-else")
    assert made_by_pancert(firewall) >= {"web-2abcdefg", "web-shopping"}
    assert firewall.created_objects("someone-else") == {"persons-object"}
    assert firewall.created_objects(firewall.username) == {"web-2abcdefg", "web-shopping"}


def test_a_clean_state_passes(world: Snapshot) -> None:
    assert converged_problems(world, PAIRS) == []  # type: ignore[arg-type]


def test_the_sibling_profile_bug_is_caught(
    world: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pancert, rotating ``web`` with the bug, took ``web-shopping`` for web's previous
    rotation: still bound, so web's journal keeps it as superseded."""
    monkeypatch.setattr(naming, "is_rotation_of", _sibling_is_a_rotation)
    monkeypatch.setattr(invariants, "is_rotation_of", _sibling_is_a_rotation, raising=False)
    journal = Journal(world.state)
    web = journal.load("web", "fw_sandbox1")
    assert web is not None
    web.kept_superseded = {"web-shopping": ["/config/devices/.../ssl-tls-service-profile"]}
    journal.save(web, NOW)
    problems = converged_problems(world, PAIRS)  # type: ignore[arg-type]
    assert any("web-shopping is claimed by 2 pairs" in p for p in problems), problems


def test_an_object_pancert_made_and_forgot_is_a_stray(
    world: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A leftover whose name no profile's shape matches is still pancert's: the sandbox saw
    pancert's key create it."""
    monkeypatch.setattr(naming, "is_rotation_of", _sibling_is_a_rotation)
    _generate(world.firewalls[0], "shopping-leftover", world.firewalls[0].username)
    problems = converged_problems(world, PAIRS)  # type: ignore[arg-type]
    assert problems == ["fw1: stray object shopping-leftover left on the firewall"]
