"""The lifecycle's edges end to end: migration from the Sectigo agent, reverted CSRs,
template-owned references, old PAN-OS, bad bindings, orphans and auto-renew off."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

from lxml import etree

from pancert.sandbox.faults import FaultRule
from pancert.sandbox.firewall import FirewallSettings
from pancert.sandbox.world import ADMIN_LABEL, DEMO_PROFILES, ProfileSpec, SandboxWorld

from .conftest import (
    VSYS1,
    Agent,
    certificate_names,
    configure,
    edit_profile,
    make_world,
    running_text,
)

WEB = DEMO_PROFILES[0]
NOW = dt.datetime.now(dt.UTC)


def test_the_sectigo_agents_object_and_ids_file_are_adopted(world: SandboxWorld) -> None:
    agent = configure(world, WEB)
    fw = world.fleet.firewalls[0]
    fw.seed_certificate(
        "web",
        location="vsys1",
        common_name="www.example.com",
        dns_names=("www.example.com", "api.example.com"),
        key="RSA-2048",
        not_after=NOW + dt.timedelta(days=100),
    )
    fw.set_reference("ssl_tls_service_profile", "web")
    agent.state.mkdir(parents=True, exist_ok=True)
    (agent.state / "web.ids").write_text(base64.b64encode(b'{"sslId": 555}').decode())
    calm = agent("renew")
    assert calm.code == 0, calm.text
    assert "unchanged" in calm.out
    assert world.scm.orders() == []
    (row,) = agent.status()
    assert (row["object"], row["ssl_id"], row["state"]) == ("web", 555, "DEPLOYED")
    rotated = agent("renew", "--force")
    assert rotated.code == 0, rotated.text
    assert "deleted web" in rotated.out  # named like the profile: the agent's object
    (new,) = certificate_names(fw)
    assert new.startswith("web-")


def test_a_profile_change_discards_a_csr_that_was_never_ordered(world: SandboxWorld) -> None:
    agent = configure(world, WEB)
    process = agent.spawn("enroll", "-p", "web")
    world.fleet.firewalls[0].faults.add(
        FaultRule(kind="export", fault="kill", pgid=process.pid, when="after")
    )
    assert process.wait(120) == -9
    edit_profile(agent, "web", sectigo_csr_key_type="EC", sectigo_csr_key_size=256)
    result = agent("renew")
    assert result.code == 0, result.text
    fw = world.fleet.firewalls[0]
    (name,) = certificate_names(fw)
    assert running_text(fw, f"{VSYS1}/certificate/entry[@name='{name}']/algorithm") == ["EC"]
    (order,) = world.scm.orders()
    assert "ecdsa" in order.csr.signature_algorithm_oid._name.lower()


def test_an_order_whose_csr_entry_was_reverted_is_abandoned_and_rotated_once(
    tmp_path: Path,
) -> None:
    with make_world(
        tmp_path, fw=FirewallSettings(commit_duration_s=0.0, csr_candidate_only=True)
    ) as world:
        agent = configure(
            world,
            ProfileSpec("ev", "secure.example.com", credential=ADMIN_LABEL, cert_type="EV"),
            sectigo_collect_timeout=0,
        )
        assert "pending" in agent("enroll", "-p", "ev").out
        world.fleet.firewalls[0].revert_candidate()  # another admin throws the CSR away
        again = agent("renew")
        assert again.code == 0, again.text
        assert "abandoned" in again.err
        first, second = world.scm.orders()
        world.scm.approve(second.id)
        done = agent("renew")
        assert done.code == 0, done.text
        assert "deployed ev" in done.out
        journal = agent.journal("ev", "fw_sandbox1")
        assert [a["order_id"] for a in journal["abandoned"]] == [first.id]


def _push_from_template(world: SandboxWorld, profile_name: str) -> None:
    fw = world.fleet.firewalls[0]
    for root in (fw.candidate, fw.running):
        found = root.xpath(f"{VSYS1}/ssl-tls-service-profile/entry[@name='{profile_name}']")
        assert isinstance(found, list)
        (profile,) = found
        assert isinstance(profile, etree._Element)
        profile.set("ptpl", "branch-template")
        profile.set("src", "tpl")


def test_references_pushed_by_a_template_are_left_to_panorama(world: SandboxWorld) -> None:
    agent = configure(world, ProfileSpec("web", "www.example.com"))
    assert agent("enroll", "-p", "web").code == 0
    fw = world.fleet.firewalls[0]
    fw.set_reference("ssl_tls_service_profile", "web")
    _push_from_template(world, "web-tls")
    result = agent("renew", "--force", "-p", "web")
    assert result.code == 0, result.text
    assert "pushed by template branch-template" in result.err
    assert "kept superseded web" in result.out
    certificate = f"{VSYS1}/ssl-tls-service-profile/entry[@name='web-tls']/certificate"
    assert running_text(fw, certificate) == ["web"]


def test_a_binding_pushed_by_a_template_is_a_profile_error_naming_it(world: SandboxWorld) -> None:
    agent = configure(world, WEB)
    assert agent("enroll", "-p", "web").code == 0
    _push_from_template(world, "web-tls")
    result = agent("renew", "--force", "-p", "web")
    assert result.code == 2
    assert "web-tls' is pushed by Panorama template branch-template" in result.out
    assert "web.yaml" in result.out


def test_a_decryption_rule_on_pan_os_10_1_holds_a_single_certificate(tmp_path: Path) -> None:
    with make_world(
        tmp_path, fw=FirewallSettings(commit_duration_s=0.0, sw_version="10.1.9")
    ) as world:
        agent = configure(world, WEB)
        assert agent("enroll", "-p", "web").code == 0
        fw = world.fleet.firewalls[0]
        rule = (
            f"{VSYS1}/rulebase/decryption/rules/entry[@name='inbound-web']"
            "/type/ssl-inbound-inspection"
        )
        assert running_text(fw, rule) == ["web"]
        assert agent("renew", "--force", "-p", "web").code == 0
        (new,) = certificate_names(fw)
        assert running_text(fw, rule) == [new]


def test_a_binding_to_a_missing_profile_is_bad_input_and_others_proceed(
    world: SandboxWorld,
) -> None:
    agent = configure(
        world,
        ProfileSpec("bad", "bad.example.com", bindings=(("ssl_tls_service_profile", "nope"),)),
        ProfileSpec("good", "good.example.com"),
    )
    result = agent("renew")
    assert result.code == 2
    assert "ssl_tls_service_profile 'nope' does not exist" in result.out
    assert "bad.yaml" in result.out
    assert "good on fw_sandbox1: converged" in result.out
    assert "Traceback" not in result.text


def test_profiles_that_stop_targeting_a_firewall_leave_an_orphan_report(
    agent: Agent, world: SandboxWorld
) -> None:
    assert agent("enroll", "-p", "shop").code == 0
    edit_profile(agent, "shop", paloalto_fw_profile="fw_sandbox1")
    result = agent("renew", "-p", "shop")
    assert "orphaned" not in result.out  # only a full run looks for orphans
    full = agent("renew")
    assert full.code == 0, full.text
    assert "orphaned: shop on fw_sandbox2" in full.out
    assert certificate_names(world.fleet.firewalls[1], "/config/shared") == ["shop"]


def test_auto_renew_off_reports_a_due_certificate_and_fails_the_run(world: SandboxWorld) -> None:
    agent = configure(world, WEB)
    world.scm.set_next_validity(NOW - dt.timedelta(days=170), NOW + dt.timedelta(days=10))
    assert agent("enroll", "-p", "web").code == 0
    edit_profile(agent, "web", sectigo_auto_renew=False)
    reported = agent("renew")
    assert reported.code == 1
    assert "sectigo_auto_renew is false" in reported.out
    assert len(world.scm.orders()) == 1
    named = agent("renew", "-p", "web")
    assert named.code == 0, named.text
    assert len(world.scm.orders()) == 2


def test_status_lists_every_pair_with_its_facts(agent: Agent, world: SandboxWorld) -> None:
    assert agent("renew").code == 0
    rows = {(r["profile"], r["firewall"]): r for r in agent.status()}
    assert set(rows) == {("web", "fw_sandbox1"), ("shop", "fw_sandbox1"), ("shop", "fw_sandbox2")}
    web = rows[("web", "fw_sandbox1")]
    assert web["state"] == "DEPLOYED"
    assert web["cn"] == "www.example.com"
    assert 190 <= web["days_left"] <= 200
    assert web["next_action"].startswith("renew from ")
    ids = {o.id for o in world.scm.orders()}
    assert {r["ssl_id"] for r in rows.values()} == ids
    table = agent("status", "--table")
    assert "www.example.com" in table.out
