"""Certificate profiles (``config/profile.py``): how accepted values are normalised — case,
whitespace, comma lists, ``.yaml`` suffixes — and every documented key size (README,
"Certificate profiles")."""

from __future__ import annotations

from typing import Any

import pytest

from pancert.config.profile import CertificateProfile
from pancert.panos.models import KeyAlgorithm
from tests.unit.config_kit import FOLDER, PROFILE, valid

RSA = KeyAlgorithm.RSA

F = "web.yaml"
SOURCE = {"name": "web", "source": FOLDER / F}
CN_64 = "a" * 52 + ".example.com"


def profile(overrides: dict[str, Any]) -> CertificateProfile:
    return valid(CertificateProfile, {**PROFILE, **overrides}, F, **SOURCE)


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        pytest.param({"sectigo_csr_domain": CN_64}, "common_name", CN_64, id="cn-64"),
        pytest.param(
            {"sectigo_csr_domain": " WWW.Example.com "}, "common_name", "www.example.com", id="cn"
        ),
        pytest.param({"sectigo_csr_country": "gb"}, "country", "GB", id="country-case"),
        pytest.param({"sectigo_csr_country": "AD"}, "country", "AD", id="country-first"),
        pytest.param({"sectigo_csr_country": "zw"}, "country", "ZW", id="country-last"),
        pytest.param({"sectigo_csr_country": ""}, "country", None, id="country-empty"),
        pytest.param({"sectigo_expiry_window": 0}, "expiry_window_days", 0, id="window-0"),
        pytest.param({"sectigo_expiry_window": "366"}, "expiry_window_days", 366, id="window-366"),
        pytest.param({"sectigo_ssl_cert_num_servers": 0}, "num_servers", 0, id="servers-0"),
        pytest.param({"sectigo_ssl_cert_validity": 1}, "term_days", 1, id="term-1"),
        pytest.param(
            {"sectigo_ssl_cert_external_requester": " a@example.com , b@example.org,"},
            "external_requester",
            "a@example.com,b@example.org",
            id="requesters",
        ),
        pytest.param(
            {"sectigo_csr_email_address": " it@example.com "},
            "email",
            "it@example.com",
            id="email-padded",
        ),
        pytest.param({"paloalto_location": " VSYS10 "}, "location", "vsys10", id="vsys10"),
        pytest.param({"paloalto_location": "Shared"}, "location", "shared", id="shared-case"),
        pytest.param({"paloalto_location": ""}, "location", "shared", id="location-empty"),
        pytest.param({"paloalto_location": None}, "location", "shared", id="location-null"),
        # empty or no value: not set, so the default (README: RSA, with its 2048 bits)
        pytest.param({"sectigo_csr_key_type": ""}, "key_type", RSA, id="kt-empty"),
        pytest.param({"sectigo_csr_key_type": "  "}, "key_type", RSA, id="kt-blank"),
        pytest.param({"sectigo_csr_key_type": None}, "key_type", RSA, id="kt-null"),
        pytest.param({"sectigo_csr_key_type": None}, "key_size", 2048, id="key-size-of-null"),
        pytest.param({"scm_credential_detail": " MAIN "}, "credential", "MAIN", id="label"),
        pytest.param(
            {"paloalto_fw_profile": ["fw_a.yaml", " fw_b ", "fw_a", "fw_c.YML"]},
            "firewall_profiles",
            ("fw_a", "fw_b", "fw_c"),
            id="fw-list",
        ),
        pytest.param(
            {"paloalto_fw_profile": "fw_a.yml, fw_b"},
            "firewall_profiles",
            ("fw_a", "fw_b"),
            id="fw-commas",
        ),
        pytest.param({"sectigo_ssl_cert_type": " ov "}, "cert_type", "OV", id="type-ov"),
        pytest.param({"sectigo_ssl_cert_type": "dv"}, "cert_type", "DV", id="type-dv"),
        pytest.param({"sectigo_ssl_cert_type": "Ev"}, "cert_type", "EV", id="type-ev"),
        pytest.param(
            {"sectigo_ssl_cert_type": " Custom SSL "}, "cert_type", "Custom SSL", id="type-name"
        ),
        pytest.param({"sectigo_ssl_cert_type": "ovx"}, "cert_type", "ovx", id="type-unknown"),
        pytest.param({"sectigo_ssl_cert_type": " 123 "}, "cert_type", 123, id="type-id-quoted"),
        pytest.param({"sectigo_ssl_cert_type": 7}, "cert_type", 7, id="type-id"),
        pytest.param({"sectigo_ssl_cert_type": " "}, "cert_type", None, id="type-blank"),
        pytest.param({"sectigo_ssl_cert_type": None}, "cert_type", None, id="type-null"),
        pytest.param({"sectigo_ssl_cert_comments": None}, "comments", "", id="comments-null"),
        pytest.param(
            {"sectigo_ssl_cert_comments": "web farm"}, "comments", "web farm", id="comments"
        ),
        pytest.param(
            {"sectigo_ssl_cert_custom_fields": {" Team ": 7, "cost": None, "n": "x"}},
            "custom_fields",
            {"Team": "7", "cost": "", "n": "x"},
            id="custom-fields",
        ),
        pytest.param(
            {"sectigo_ssl_cert_custom_fields": None}, "custom_fields", {}, id="custom-null"
        ),
    ],
)
def test_values_are_normalised(overrides: dict[str, Any], field: str, expected: Any) -> None:
    found = getattr(profile(overrides), field)
    assert found == expected
    assert type(found) is type(expected)


@pytest.mark.parametrize(
    ("kind", "size", "expected"),
    [
        pytest.param("RSA", 2048, "RSA", id="rsa-2048"),
        pytest.param("rsa", 3072, "RSA", id="rsa-3072"),
        pytest.param("RSA", "4096", "RSA", id="rsa-4096-quoted"),
        pytest.param("EC", 256, "EC", id="ec-256"),
        pytest.param("ec", 384, "EC", id="ec-384"),
        pytest.param(" ECDSA ", 521, "EC", id="ecdsa-521"),
    ],
)
def test_every_documented_key_size_is_accepted(kind: str, size: Any, expected: str) -> None:
    found = profile({"sectigo_csr_key_type": kind, "sectigo_csr_key_size": size})
    assert (found.key_type.value, found.key_size) == (expected, int(size))


def test_ip_addresses_and_dns_names_are_apart_the_cn_first() -> None:
    found = profile(
        {
            "sectigo_csr_domain": "www.example.com",
            "sectigo_ssl_cert_subject_alt_names": "10.0.0.1, API.example.com, ::1, "
            "www.example.com, 2001:DB8::1, 1host.example.com",
        }
    )
    assert found.sans == (
        "www.example.com",
        "10.0.0.1",
        "api.example.com",
        "::1",
        "2001:db8::1",
        "1host.example.com",
    )
    assert found.dns_names == ("www.example.com", "api.example.com", "1host.example.com")
    assert found.ip_addresses == ("10.0.0.1", "::1", "2001:db8::1")
