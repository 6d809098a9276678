"""Renewal end to end: when pancert rotates, how it rotates, and that it never loops."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from cryptography import x509

from pancert.sandbox.scm import Switches
from pancert.sandbox.scm.settings import ScmSandboxSettings
from pancert.sandbox.world import (
    ADMIN_LABEL,
    DEMO_PROFILES,
    ENROLL_LABEL,
    ProfileSpec,
    SandboxWorld,
)

from .conftest import (
    VSYS1,
    ca_orders,
    certificate_names,
    configure,
    edit_profile,
    firewall_writes,
    make_world,
    running_text,
)

WEB = DEMO_PROFILES[0]
NOW = dt.datetime.now(dt.UTC)


def bound_to(world: SandboxWorld) -> tuple[list[str], list[str]]:
    fw = world.fleet.firewalls[0]
    return (
        running_text(fw, f"{VSYS1}/ssl-tls-service-profile/entry[@name='web-tls']/certificate"),
        running_text(
            fw,
            f"{VSYS1}/rulebase/decryption/rules/entry[@name='inbound-web']"
            "/type/ssl-inbound-inspection/certificates/member",
        ),
    )


def test_inside_the_window_rotates_and_outside_does_not(world: SandboxWorld) -> None:
    agent = configure(world, WEB)
    world.scm.set_next_validity(NOW - dt.timedelta(days=170), NOW + dt.timedelta(days=20))
    assert agent("enroll", "-p", "web").code == 0
    due = agent("renew")
    assert due.code == 0, due.text
    assert "converged" in due.out
    (new,) = certificate_names(world.fleet.firewalls[0])
    assert new.startswith("web-")
    calm = agent("renew")
    assert calm.code == 0
    assert "unchanged" in calm.out
    assert ca_orders(world) == 2


@pytest.mark.any_ca
def test_rotation_rebinds_the_tls_profile_and_the_decryption_rule_then_deletes(
    world: SandboxWorld,
) -> None:
    agent = configure(world, WEB)
    assert agent("enroll", "-p", "web").code == 0
    assert bound_to(world) == (["web"], ["web"])
    result = agent("renew", "--force", "-p", "web")
    assert result.code == 0, result.text
    (new,) = certificate_names(world.fleet.firewalls[0])
    assert new != "web"
    assert bound_to(world) == ([new], [new])
    assert f"rebound ssl_tls_service_profile web-tls: web → {new}" in result.out
    assert "deleted web" in result.out


@pytest.mark.any_ca
def test_force_renewal_flag_rotates_once_per_profile_content(world: SandboxWorld) -> None:
    agent = configure(
        world, ProfileSpec("web", "www.example.com", extra={"sectigo_force_renewal": True})
    )
    assert agent("renew").code == 0  # first issuance, with the flag already set
    quiet = agent("renew")
    assert quiet.code == 0
    assert "unchanged" in quiet.out
    assert "sectigo_force_renewal is still true" in quiet.err
    edit_profile(agent, "web", sectigo_ssl_cert_comments="edited")
    forced = agent("renew")
    assert "forced-by-profile" in (agent.state / "journal" / "web@fw_sandbox1.json").read_text()
    assert forced.code == 0, forced.text
    assert agent("renew").code == 0
    assert ca_orders(world) == 2


@pytest.mark.any_ca
def test_a_changed_key_type_rotates_to_a_new_key(world: SandboxWorld) -> None:
    agent = configure(world, WEB)
    assert agent("enroll", "-p", "web").code == 0
    edit_profile(agent, "web", sectigo_csr_key_type="EC", sectigo_csr_key_size=384)
    result = agent("renew")
    assert result.code == 0, result.text
    fw = world.fleet.firewalls[0]
    (new,) = certificate_names(fw)
    assert running_text(fw, f"{VSYS1}/certificate/entry[@name='{new}']/algorithm") == ["EC"]
    journal = json.loads((agent.state / "journal" / "web@fw_sandbox1.json").read_text())
    assert journal["rotation"]["reason"] == "key-changed"


def test_a_www_twin_added_by_the_ca_does_not_rotate(tmp_path: object) -> None:
    settings = ScmSandboxSettings(switches=Switches(add_www_twin=True))
    with make_world(tmp_path, scm=settings) as world:  # type: ignore[arg-type]
        agent = configure(world, ProfileSpec("apex", "example.com"))
        assert agent("enroll", "-p", "apex").code == 0
        fw = world.fleet.firewalls[0]
        pem = running_text(fw, f"{VSYS1}/certificate/entry[@name='apex']/public-key")[0]
        assert "www.example.com" in _sans(pem)
        again = agent("renew")
        assert again.code == 0
        assert "unchanged" in again.out
        assert ca_orders(world) == 1


def _sans(pem: str) -> list[str]:
    cert = x509.load_pem_x509_certificates(pem.encode())[0]
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return san.get_values_for_type(x509.DNSName)


def test_a_superseded_object_still_used_elsewhere_is_kept_reported_and_retired_later(
    world: SandboxWorld,
) -> None:
    agent = configure(world, ProfileSpec("mgmt", "mgmt.example.com", location="shared"))
    assert agent("enroll", "-p", "mgmt").code == 0
    fw = world.fleet.firewalls[0]
    fw.set_reference("management", "mgmt", location="shared")
    rotated = agent("renew", "--force", "-p", "mgmt")
    assert rotated.code == 0, rotated.text
    assert "kept superseded mgmt: still used by" in rotated.out
    new = next(n for n in certificate_names(fw, "/config/shared") if n != "mgmt")
    assert "mgmt" in certificate_names(fw, "/config/shared")
    mgmt_cert = "/config/shared/ssl-tls-service-profile/entry[@name='mgmt-tls']/certificate"
    assert running_text(fw, mgmt_cert) == ["mgmt"]  # the management interface is not touched
    calm = agent("renew")
    assert calm.code == 0
    assert "kept superseded mgmt" in calm.out
    fw.set_reference("management", new, location="shared")  # an admin moves it by hand
    retired = agent("renew")
    assert retired.code == 0, retired.text
    assert "deleted mgmt" in retired.out
    assert certificate_names(fw, "/config/shared") == [new]


@pytest.mark.any_ca
def test_a_failed_commit_is_retried_next_run_without_a_second_order(world: SandboxWorld) -> None:
    agent = configure(world, WEB)
    fw = world.fleet.firewalls[0]
    fw.fail_commits = 1
    failed = agent("enroll", "-p", "web")
    assert failed.code == 1
    assert "PAN-OS commit" in failed.out
    assert agent.journal("web", "fw_sandbox1")["rotation"]["step"] == "IMPORTED"
    recovered = agent("renew")
    assert recovered.code == 0, recovered.text
    assert "deployed web" in recovered.out
    assert ca_orders(world) == 1
    assert bound_to(world) == (["web"], ["web"])


@pytest.mark.any_ca
def test_another_admin_committing_between_every_two_steps_always_gets_a_working_config(
    world: SandboxWorld,
) -> None:
    agent = configure(world, WEB)
    fw = world.fleet.firewalls[0]
    assert agent("enroll", "-p", "web").code == 0
    fw.set_switches({"commit_by_other_after_writes": True})
    writes = firewall_writes(world)
    for _ in range(2):
        result = agent("renew", "--force", "-p", "web")
        assert result.code == 0, result.text
    assert firewall_writes(world) > writes
    assert fw.binding_violations == []
    assert len(certificate_names(fw)) == 1


@pytest.mark.parametrize(
    ("credential", "revoke"),
    [
        (ADMIN_LABEL, False),
        (ADMIN_LABEL, True),
        (ENROLL_LABEL, False),
        (ENROLL_LABEL, True),
    ],
    ids=["admin-marked-renewed", "admin-revoked", "rest-left-alone", "rest-revoked"],
)
def test_the_superseded_order_is_marked_renewed_or_revoked_in_scm(
    world: SandboxWorld, credential: str, revoke: bool
) -> None:
    agent = configure(
        world,
        ProfileSpec(
            "shop",
            "shop.example.org",
            credential=credential,
            extra={"sectigo_revoke_superseded": revoke},
        ),
    )
    assert agent("enroll", "-p", "shop").code == 0
    result = agent("renew", "--force", "-p", "shop")
    assert result.code == 0, result.text
    old, new = world.scm.orders()
    assert (old.revoked is not None) is revoke
    # only the Admin API keeps renewal bookkeeping (renew/manual)
    assert old.renewed is (credential == ADMIN_LABEL and not revoke)
    assert new.revoked is None
    assert not new.renewed
