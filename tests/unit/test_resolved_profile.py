"""A profile is resolved once: IP SANs never travel as DNS names, one key-algorithm enum,
requests built once, and one helper for profile file names."""

from __future__ import annotations

from pathlib import Path

import pytest

from pancert.config.fields import profile_name
from pancert.config.models import FirewallProfile
from pancert.config.profile import CertificateProfile
from pancert.config.resolved import resolve
from pancert.panos.models import KeyAlgorithm


def _profile(tmp_path: Path, **overrides: object) -> CertificateProfile:
    data: dict[str, object] = {
        "name": "vpn",
        "source": tmp_path / "vpn.yaml",
        "paloalto_fw_profile": "fw_a.YAML, fw_b",
        "scm_credential_detail": "main",
        "sectigo_csr_domain": "vpn.example.com",
        "sectigo_ssl_cert_subject_alt_names": "192.0.2.10, alt.example.com, 2001:db8::1",
        "sectigo_csr_key_type": "ecdsa",
    }
    data.update(overrides)
    return CertificateProfile.model_validate(data)


def _firewall(tmp_path: Path, name: str) -> FirewallProfile:
    return FirewallProfile.model_validate(
        {"name": name, "source": tmp_path / f"{name}.yaml", "paloalto_url": "https://fw.example"},
        context={"base": tmp_path},
    )


def test_dns_names_and_ip_addresses_are_apart(tmp_path: Path) -> None:
    profile = _profile(tmp_path)
    assert profile.dns_names == ("vpn.example.com", "alt.example.com")
    assert profile.ip_addresses == ("192.0.2.10", "2001:db8::1")


def test_the_resolved_requests_carry_ips_only_in_the_csr(tmp_path: Path) -> None:
    firewalls = {n: _firewall(tmp_path, n) for n in ("fw_a", "fw_b")}
    resolved = resolve(_profile(tmp_path), firewalls)
    assert [f.name for f in resolved.firewalls] == ["fw_a", "fw_b"]
    assert resolved.enroll.dns_names == ("vpn.example.com", "alt.example.com")
    assert resolved.wanted.dns_names == resolved.enroll.dns_names
    csr = resolved.csr_for("vpn-2abcdefg")
    assert (csr.name, csr.ip_addresses) == ("vpn-2abcdefg", ("192.0.2.10", "2001:db8::1"))
    assert csr.algorithm is KeyAlgorithm.EC is resolved.wanted.key_type
    order = resolved.enroll_for("CSR", "req-1")
    assert (order.csr_pem, order.request_id, order.common_name) == (
        "CSR",
        "req-1",
        "vpn.example.com",
    )


@pytest.mark.parametrize(
    ("text", "name"),
    [("web", "web"), ("web.yaml", "web"), ("web.YAML", "web"), ("web.Yml", "web"), ("a.b", "a.b")],
)
def test_one_helper_names_profiles(text: str, name: str) -> None:
    assert profile_name(text) == name
