"""The ACME backend against Pebble on loopback: EAB, always-valid, real DNS-01, revocation,
and the chain imported onto the sandbox firewall with the key kept there."""

from __future__ import annotations

import base64
import json
import ssl
import stat
from pathlib import Path

import httpx
import pyrage
from cryptography import x509

from tests.e2e.conftest import VSYS1, certificate_names, running_text

from .conftest import (
    SITE,
    WorldFactory,
    acme_agent,
    edit_credential,
    order_book,
    pebble,
)


def _leaf(fw: object, name: str) -> x509.Certificate:
    (pem,) = running_text(
        fw, f"{VSYS1}/certificate/entry[@name='{name}']/common-name/../public-key"
    )
    return x509.load_pem_x509_certificate(pem.encode())


def test_always_valid_mode_issues_and_imports_the_chain_onto_the_firewall(
    acme_world: WorldFactory,
) -> None:
    world = acme_world(always_valid=True)
    agent = acme_agent(world)
    result = agent("enroll", "-p", "site")
    assert result.code == 0, result.text
    assert "converged" in result.out
    fw = world.fleet.firewalls[0]
    assert certificate_names(fw) == ["site"]
    leaf = _leaf(fw, "site")
    assert leaf.subject.rfc4514_string() == "CN=vpn.example.net"
    roots = x509.load_pem_x509_certificates(pebble(world).roots.read_bytes())  # type: ignore[union-attr]
    assert leaf.issuer != roots[0].subject  # signed by Pebble's intermediate, chained to its root
    (book,) = order_book(agent)
    # the leaf carries the key of the CSR the firewall generated: finalize used that CSR
    csr = x509.load_pem_x509_csr(book["csr_pem"].encode())
    assert leaf.public_key() == csr.public_key()
    assert len(pebble(world).ari.new_orders) == 1
    bound = running_text(fw, f"{VSYS1}/ssl-tls-service-profile/entry[@name='web-tls']/certificate")
    assert bound == ["site"]


def test_real_dns01_publishes_through_challtestsrv_and_waits_for_it(
    acme_world: WorldFactory,
) -> None:
    world = acme_world()
    agent = acme_agent(world)
    result = agent("enroll", "-p", "site")
    assert result.code == 0, result.text
    log = (agent.config.parent / "logs" / "pancert.log").read_text()
    for name in ("vpn.example.net", "portal.example.net"):
        assert f"TXT _acme-challenge.{name} is visible on 1 authoritative server" in log
    assert certificate_names(world.fleet.firewalls[0]) == ["site"]


def test_a_record_that_never_appears_fails_with_the_wait_named(acme_world: WorldFactory) -> None:
    world = acme_world()
    agent = acme_agent(world)
    silent = agent.config.parent / "silent-hook.sh"
    silent.write_text("#!/bin/sh\nexit 0\n")
    silent.chmod(0o700)
    edit_credential(agent, acme_dns_hook=str(silent), acme_dns_timeout=2)
    result = agent("enroll", "-p", "site")
    assert result.code == 1, result.text
    assert "TXT _acme-challenge." in result.out
    assert "not visible on 127.0.0.1:" in result.out
    assert certificate_names(world.fleet.firewalls[0]) == ["site"]  # only the pending CSR entry
    assert not running_text(world.fleet.firewalls[0], f"{VSYS1}/certificate/entry/public-key")


def test_eab_is_required_and_a_wrong_hmac_is_refused_clearly(acme_world: WorldFactory) -> None:
    world = acme_world(always_valid=True)
    agent = acme_agent(world)
    right = pebble(world).eab_hmac_key
    edit_credential(agent, acme_eab_kid=None, acme_eab_hmac_key=None)
    missing = agent("enroll", "-p", "site")
    assert missing.code == 1, missing.text
    assert "externalAccountRequired" in missing.out
    assert "set acme_eab_kid and acme_eab_hmac_key" in missing.text
    wrong = base64.urlsafe_b64encode(b"w" * 32).decode().rstrip("=")
    edit_credential(agent, acme_eab_kid="pancert-sandbox", acme_eab_hmac_key=wrong)
    refused = agent("enroll", "-p", "site")
    assert refused.code == 1, refused.text
    assert "unauthorized" in refused.out
    assert "check acme_eab_kid and acme_eab_hmac_key" in refused.text
    for text in (refused.text, (agent.config.parent / "logs" / "pancert.log").read_text()):
        assert wrong not in text
        assert right not in text
    edit_credential(agent, acme_eab_hmac_key=right)
    assert agent("enroll", "-p", "site").code == 0


def test_the_account_key_is_kept_private_and_found_again(acme_world: WorldFactory) -> None:
    world = acme_world(always_valid=True)
    agent = acme_agent(world)
    assert agent("enroll", "-p", "site").code == 0
    (key_file,) = (agent.state / "acme" / "accounts").glob("*.yaml")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    before = key_file.read_text()
    assert agent("renew", "--force", "-p", "site").code == 0
    assert key_file.read_text() == before
    log = (agent.config.parent / "logs" / "pancert.log").read_text()
    assert log.count("ACME account registered") == 1
    key_lines = [line for line in before.splitlines() if line.strip() and "-----" not in line]
    assert not any(line.strip() in log for line in key_lines if len(line.strip()) > 20)


def test_revoke_superseded_revokes_the_old_certificate_at_the_ca(acme_world: WorldFactory) -> None:
    world = acme_world(always_valid=True)
    spec = SITE.__class__(**{**SITE.__dict__, "extra": {"sectigo_revoke_superseded": True}})
    agent = acme_agent(world, spec)
    assert agent("enroll", "-p", "site").code == 0
    old = _leaf(world.fleet.firewalls[0], "site")
    result = agent("renew", "--force", "-p", "site")
    assert result.code == 0, result.text
    acme = pebble(world)
    assert acme.pebble is not None
    status = httpx.get(
        f"https://127.0.0.1:{acme.pebble.management_port}/cert-status-by-serial/"
        f"{old.serial_number:x}",
        verify=ssl.create_default_context(cafile=str(world.ca_bundle)),
    )
    assert json.loads(status.text)["Status"] == "Revoked"
    assert sum(1 for e in order_book(agent) if e["revoked"]) == 1


def test_the_account_key_can_be_encrypted_like_the_other_secrets(
    acme_world: WorldFactory, tmp_path: Path
) -> None:
    identity = pyrage.x25519.Identity.generate()
    key_file = tmp_path / "age-keys.txt"
    key_file.write_text(f"{identity}\n")
    world = acme_world(always_valid=True)
    agent = acme_agent(world, pancert_age_recipients=str(identity.to_public()))
    assert agent("enroll", "-p", "site").code == 0
    encrypted = agent("encrypt")
    assert encrypted.code == 0, encrypted.text
    (account,) = (agent.state / "acme" / "accounts").glob("*.yaml")
    text = account.read_text()
    assert "acme_account_key: ENC[AES256_GCM," in text
    assert "PRIVATE KEY" not in text
    credentials = (agent.config.parent / "profiles" / "sectigo_credentials.yaml").read_text()
    assert "acme_eab_hmac_key: ENC[AES256_GCM," in credentials
    agent.env["SOPS_AGE_KEY_FILE"] = str(key_file)
    result = agent("renew", "--force", "-p", "site")
    assert result.code == 0, result.text
    log = (agent.config.parent / "logs" / "pancert.log").read_text()
    assert log.count("ACME account registered") == 1  # the encrypted key found the account


def test_validate_online_signs_in_to_the_acme_account(acme_world: WorldFactory) -> None:
    world = acme_world(always_valid=True)
    agent = acme_agent(world)
    result = agent("validate", "--online", "-p", "site")
    assert result.code == 0, result.text
    assert "ACME account https://localhost:" in result.out
    assert "(with EAB)" in result.out
    assert pebble(world).ari.new_orders == []  # nothing ordered


def test_an_invalid_order_is_replaced_by_one_new_order_per_run(acme_world: WorldFactory) -> None:
    world = acme_world()  # Pebble validates DNS-01 for real
    agent = acme_agent(world)
    hook = pebble(world).hook
    edit_credential(agent, acme_challenge="respond-only")  # answers, publishes nothing
    first = agent("enroll", "-p", "site")
    assert first.code == 1, first.text
    assert "validation of" in first.out
    assert "the next run places a new order for the same CSR" in first.text
    assert len(pebble(world).ari.new_orders) == 1
    second = agent("renew", "-p", "site")
    assert second.code == 1, second.text
    assert len(pebble(world).ari.new_orders) == 2
    edit_credential(agent, acme_challenge="dns-01-hook", acme_dns_hook=str(hook))
    third = agent("renew", "-p", "site")
    assert third.code == 0, third.text
    assert len(pebble(world).ari.new_orders) == 3
    (entry,) = order_book(agent)
    assert len(entry["dead_urls"]) == 2
    assert entry["chain_pem"]
