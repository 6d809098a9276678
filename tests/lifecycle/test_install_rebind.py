"""The rebind half of ISSUED → IMPORTED: every use of a superseded object moves to the new
one, one write per configuration node, except nodes pancert must not touch (pushed by a
Panorama template; the management interface without ``paloalto_allow_management``); then
the profile's own ``paloalto_bindings`` that do not use it yet. The commit user's ownership
is checked once, after the first write. Log lines and messages are pinned word for word."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest

from pancert.errors import ConfigError
from pancert.lifecycle.failures import StepFailed
from pancert.lifecycle.install import _rebind, install
from pancert.panos.errors import ForeignChangesError, InvalidObjectError
from pancert.panos.models import SHARED, Reference, ReferenceKind
from pancert.sandbox.ca import SandboxCA

from .install_kit import CHAIN, NEW, OLD, Setup, lines, profile_xpath, record, uses

INFO, WARNING = logging.INFO, logging.WARNING
SSL = ReferenceKind.SSL_TLS_SERVICE_PROFILE
MANAGEMENT = ReferenceKind.MANAGEMENT
PORTAL = ReferenceKind.GLOBAL_PROTECT_PORTAL
EARLIER, KEPT = "web-1aaaaaaa", "web-2bbbbbbb"


@pytest.fixture
def kit(tmp_path: Path, sandbox_ca: SandboxCA) -> Setup:
    return Setup(tmp_path, sandbox_ca)


def test_every_superseded_object_is_followed_one_write_per_node(
    kit: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    """The replaced object, an earlier one still owned, one kept earlier: each is asked
    about in that order; a portal and its own SSL/TLS profile are one node, moved once (the
    first use found names the change)."""
    caplog.set_level(INFO, logger="pancert.lifecycle")
    portal = uses("gp-portal", PORTAL, certificate=EARLIER, via="gp-tls")
    kit.table[EARLIER] = [portal, uses("gp-tls", certificate=EARLIER)]
    kit.table[KEPT] = []
    ctx = kit.due(record(owned_objects=[OLD, EARLIER], kept_superseded={KEPT: ["x"]}))

    changes = asyncio.run(_rebind(ctx))

    assert changes == [
        "rebound ssl_tls_service_profile web-tls: web → web-abcdefgh",
        "rebound global_protect_portal gp-portal: web-1aaaaaaa → web-abcdefgh",
    ]
    assert kit.snapshot.asked == [(OLD, SHARED), (EARLIER, SHARED), (KEPT, SHARED)]
    assert kit.fw.rebinds == [(uses("web-tls"), NEW), (portal, NEW)]
    assert lines(caplog.records) == [(INFO, f"web on fw_a: {change}") for change in changes]
    assert kit.fw.owner_checks == [(profile_xpath("web-tls"), "pancert-api")]
    assert ctx.firewall.owner_checked is True


def test_a_node_pushed_by_a_template_is_left_for_panorama(
    kit: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    """Any template use of a node blocks the node, whichever use comes first."""
    caplog.set_level(INFO, logger="pancert.lifecycle")
    pushed = uses("gp-portal", PORTAL, via="branch-tls", template="branch")
    kit.table[OLD] = [pushed, uses("branch-tls"), uses("web-tls")]
    ctx = kit.due()

    changes = asyncio.run(_rebind(ctx))

    assert changes == ["rebound ssl_tls_service_profile web-tls: web → web-abcdefgh"]
    assert kit.fw.rebinds == [(uses("web-tls"), NEW)]
    assert lines(caplog.records) == [
        (
            WARNING,
            "web on fw_a: global_protect_portal gp-portal uses web but is pushed by template "
            "branch; left for Panorama",
        ),
        (INFO, "web on fw_a: rebound ssl_tls_service_profile web-tls: web → web-abcdefgh"),
    ]


def _management(kit: Setup, *, first: bool = False) -> None:
    """The management interface reaches ``web`` through the profile mgmt-tls (one node
    with the profile's own use); web-tls is a plain use."""
    node = [uses("mgmt-tls", MANAGEMENT, via="mgmt-tls"), uses("mgmt-tls")]
    kit.table[OLD] = [*node, uses("web-tls")] if first else [uses("web-tls"), *node[::-1]]


@pytest.mark.parametrize("first", [True, False], ids=["management-first", "profile-first"])
def test_the_management_interface_is_not_rebound_unless_allowed(
    kit: Setup, caplog: pytest.LogCaptureFixture, first: bool
) -> None:
    caplog.set_level(INFO, logger="pancert.lifecycle")
    _management(kit, first=first)
    ctx = kit.due()

    changes = asyncio.run(_rebind(ctx))

    assert changes == ["rebound ssl_tls_service_profile web-tls: web → web-abcdefgh"]
    assert kit.fw.rebinds == [(uses("web-tls"), NEW)]
    assert (
        WARNING,
        "web on fw_a: the management interface uses web (through mgmt-tls); not rebound "
        "because paloalto_allow_management is false",
    ) in lines(caplog.records)
    assert [level for level, _ in lines(caplog.records)] == [WARNING, INFO]
    assert kit.fw.expected_chains == []
    assert not (kit.folder / "state" / "tls-pins.json").exists()


def test_an_allowed_management_rebind_expects_the_new_leaf_and_remembers_it(
    kit: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    """Told before the write, and kept in the state folder, so a run that dies after the
    commit still trusts the firewall's new identity."""
    caplog.set_level(INFO, logger="pancert.lifecycle")
    _management(kit, first=True)
    kit.profile["paloalto_allow_management"] = True
    ctx = kit.due()

    changes = asyncio.run(_rebind(ctx))

    assert changes == [
        "rebound management mgmt-tls: web → web-abcdefgh",
        "rebound ssl_tls_service_profile web-tls: web → web-abcdefgh",
    ]
    assert kit.fw.calls[:2] == ["expect_management_certificate", "rebind"]
    assert kit.fw.expected_chains == [CHAIN]
    pins = json.loads((kit.folder / "state" / "tls-pins.json").read_text())
    assert pins == {"fw_a": ["00" * 32]}
    assert [level for level, _ in lines(caplog.records)] == [INFO, INFO]


@pytest.mark.parametrize(
    "table",
    [
        [uses("web-tls")],
        [uses("mgmt-tls", MANAGEMENT, via="mgmt-tls", template="branch")],
    ],
    ids=["no-management-use", "management-by-template"],
)
def test_no_management_expectation_without_a_local_management_use(
    kit: Setup, table: list[Reference]
) -> None:
    kit.table[OLD] = table
    kit.profile["paloalto_allow_management"] = True
    ctx = kit.due()
    asyncio.run(_rebind(ctx))
    assert kit.fw.expected_chains == []
    assert not (kit.folder / "state" / "tls-pins.json").exists()


def test_the_profiles_own_bindings_that_lack_the_new_object_are_bound(
    kit: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    """web-tls was just moved and done-tls already names the new object (an interrupted
    run bound it): only new-tls is asked for and bound; a binding the device shows naming
    the new object already is left as it is."""
    caplog.set_level(INFO, logger="pancert.lifecycle")
    kit.fw.candidate.profiles.update({"new-tls": "other", "done-tls": NEW})
    kit.fw.answers["live-tls"] = uses("live-tls", certificate=NEW)
    kit.table[NEW] = [uses("done-tls", certificate=NEW)]
    names = ["web-tls", "done-tls", "new-tls", "live-tls"]
    kit.profile["paloalto_bindings"] = [{"ssl_tls_service_profile": n} for n in names]
    ctx = kit.due()

    changes = asyncio.run(_rebind(ctx))

    assert changes == [
        "rebound ssl_tls_service_profile web-tls: web → web-abcdefgh",
        "bound ssl_tls_service_profile new-tls → web-abcdefgh",
    ]
    assert kit.fw.asked_bindings == [(SSL, "new-tls", SHARED), (SSL, "live-tls", SHARED)]
    assert kit.snapshot.asked == [(OLD, SHARED), (NEW, SHARED)]
    assert kit.fw.rebinds[1] == (uses("new-tls", certificate="other"), NEW)
    assert len(kit.fw.rebinds) == 2
    assert lines(caplog.records) == [(INFO, f"web on fw_a: {change}") for change in changes]


def test_a_decryption_rule_binding_is_asked_for_by_its_kind(kit: Setup) -> None:
    rule = uses(
        "inbound", ReferenceKind.DECRYPTION_RULE, certificate="", xpath="/config/rule/inbound"
    )
    kit.fw.answers["inbound"] = rule
    kit.profile["paloalto_bindings"] = [{"decryption_rule": "inbound"}]
    kit.table[OLD] = []
    ctx = kit.due()
    assert asyncio.run(_rebind(ctx)) == ["bound decryption_rule inbound → web-abcdefgh"]
    assert kit.fw.asked_bindings == [(ReferenceKind.DECRYPTION_RULE, "inbound", SHARED)]
    assert kit.fw.owner_checks == [("/config/rule/inbound", "pancert-api")]


def test_a_binding_pushed_by_a_template_is_bad_input_and_nothing_is_bound(kit: Setup) -> None:
    kit.fw.candidate.profiles["ok-tls"] = "other"
    kit.fw.answers["tpl-tls"] = uses("tpl-tls", certificate="x", template="branch")
    kit.profile["paloalto_bindings"] = [
        {"ssl_tls_service_profile": "ok-tls"},
        {"ssl_tls_service_profile": "tpl-tls"},
    ]
    kit.table[OLD] = []
    ctx = kit.due()
    with pytest.raises(ConfigError) as caught:
        asyncio.run(_rebind(ctx))
    source = kit.folder / "web.yaml"
    assert str(caught.value) == (
        f"{source}: paloalto_bindings: ssl_tls_service_profile 'tpl-tls' is pushed by Panorama "
        "template branch; bind the certificate there, or remove it from paloalto_bindings"
    )
    (problem,) = caught.value.problems
    assert (problem.file, problem.field, problem.allowed) == (
        str(source),
        "paloalto_bindings",
        None,
    )
    assert kit.fw.rebinds == []


def test_a_binding_that_names_nothing_is_reported_against_the_profile_file(kit: Setup) -> None:
    kit.profile["paloalto_bindings"] = [{"ssl_tls_service_profile": "nowhere"}]
    kit.table[OLD] = []
    ctx = kit.due()
    with pytest.raises(StepFailed) as caught:
        asyncio.run(_rebind(ctx))
    assert str(caught.value) == (
        f"{kit.folder / 'web.yaml'}: paloalto_bindings: paloalto_bindings: "
        "ssl_tls_service_profile 'nowhere' does not exist in shared on this firewall (for a "
        "decryption rule: an SSL inbound inspection rule)"
    )
    assert caught.value.call == f"{kit.folder / 'web.yaml'}: paloalto_bindings"


def test_a_refused_rebind_names_the_node(kit: Setup) -> None:
    ctx = kit.due()
    kit.fw.failures["rebind"] = InvalidObjectError(12, ("web-tls -> certificate is invalid",))
    with pytest.raises(StepFailed) as caught:
        asyncio.run(_rebind(ctx))
    assert str(caught.value) == (
        "PAN-OS rebind ssl_tls_service_profile web-tls: PAN-OS error 12: "
        "web-tls -> certificate is invalid"
    )
    assert kit.fw.owner_checks == []


def test_ownership_is_checked_once_per_firewall_after_the_first_write(kit: Setup) -> None:
    kit.table[OLD] = [uses("a-tls"), uses("b-tls")]
    ctx = kit.due()
    asyncio.run(_rebind(ctx))
    assert kit.fw.calls == ["rebind", "check_owner", "rebind"]
    assert kit.fw.owner_checks == [(profile_xpath("a-tls"), "pancert-api")]

    later = kit.context()
    later.firewall = ctx.firewall
    asyncio.run(_rebind(later))
    assert kit.fw.calls == ["rebind", "rebind"], "not again for the firewall's next pair"


def test_without_a_commit_user_no_ownership_check(kit: Setup) -> None:
    kit.commit_user = None
    kit.table[OLD] = [uses("a-tls"), uses("b-tls")]
    ctx = kit.due()
    asyncio.run(_rebind(ctx))
    assert kit.fw.calls == ["rebind", "rebind"]
    assert ctx.firewall.owner_checked is True


def test_a_change_credited_to_another_admin_stops_before_anything_else(kit: Setup) -> None:
    kit.fw.change_owner = "someone-else"
    ctx = kit.due()
    with pytest.raises(StepFailed) as caught:
        asyncio.run(install(ctx))
    assert str(caught.value) == (
        f"PAN-OS ownership check: the change at {profile_xpath('web-tls')} belongs to admin "
        "'someone-else', but paloalto_commit_user is 'pancert-api'; a partial commit as "
        "'pancert-api' would not include it"
    )
    assert isinstance(caught.value.cause, ForeignChangesError)
    assert caught.value.hint == "set paloalto_commit_user to the admin the API key belongs to"
    assert kit.fw.deleted == []
    assert ctx.firewall.owner_checked is False
    assert ctx.journal.load("web", "fw_a") is None
