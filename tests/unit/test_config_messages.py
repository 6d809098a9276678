"""Certificate profiles (``config/profile.py``): each rule's boundary and its one line, word for
word — ``file: field: problem (allowed: …)`` is what a user reads (README, "Certificate
profiles")."""

from __future__ import annotations

from typing import Any

import pytest

from pancert.config.profile import Binding, CertificateProfile, check_profile_name
from tests.unit.config_kit import FOLDER, PROFILE, problems, valid

F = "web.yaml"
SOURCE = {"name": "web", "source": FOLDER / F}
BINDINGS_HELP = "a list of {ssl_tls_service_profile: NAME} or {decryption_rule: NAME}"
NAME_HELP = "a DNS name such as www.example.com or *.example.com"
SIZE_HELP = "RSA 2048, 3072, 4096; EC 256, 384, 521"
PAN_NAME_RULE = (
    "is not allowed (1-63 characters: letters, digits, space, '.', '_', '-'; "
    "starting with a letter or digit)"
)
CN_64 = "a" * 52 + ".example.com"


def profile_problems(overrides: dict[str, Any]) -> list[str]:
    return problems(CertificateProfile, {**PROFILE, **overrides}, F, **SOURCE)


def profile(overrides: dict[str, Any]) -> CertificateProfile:
    return valid(CertificateProfile, {**PROFILE, **overrides}, F, **SOURCE)


@pytest.mark.parametrize(
    ("overrides", "lines"),
    [
        pytest.param(
            {"sectigo_csr_key_size": 1024},
            [
                f"{F}: sectigo_csr_key_size: 1024 is not a valid RSA key size "
                "(allowed: 2048, 3072, 4096)"
            ],
            id="rsa-1024",
        ),
        pytest.param(
            {"sectigo_csr_key_type": "EC", "sectigo_csr_key_size": 2048},
            [
                f"{F}: sectigo_csr_key_size: 2048 is not a valid EC key size "
                "(allowed: 256, 384, 521)"
            ],
            id="ec-2048",
        ),
        pytest.param(
            {"sectigo_csr_key_type": "DSA"},
            [f"{F}: sectigo_csr_key_type: 'DSA' is not a key type (allowed: RSA, EC)"],
            id="unknown-type-alone",
        ),
        pytest.param(
            {"sectigo_csr_key_type": "DSA", "sectigo_csr_key_size": 256},
            [f"{F}: sectigo_csr_key_type: 'DSA' is not a key type (allowed: RSA, EC)"],
            id="unknown-type-known-size",
        ),
        pytest.param(
            {"sectigo_csr_key_type": "dsa", "sectigo_csr_key_size": 1024},
            [
                f"{F}: sectigo_csr_key_type: 'dsa' is not a key type (allowed: RSA, EC)",
                f"{F}: sectigo_csr_key_size: 1024 is not a valid key size (allowed: {SIZE_HELP})",
            ],
            id="unknown-type-unknown-size",
        ),
        pytest.param(
            {"sectigo_csr_key_size": "big"},
            [f"{F}: sectigo_csr_key_size: not a whole number"],
            id="size-word",
        ),
        pytest.param(
            {"sectigo_csr_country": "UK"},
            [
                f"{F}: sectigo_csr_country: 'UK' is not a country code "
                "(allowed: ISO 3166-1 alpha-2, e.g. GB, US, NO)"
            ],
            id="country-uk",
        ),
        pytest.param(
            {"sectigo_csr_country": "xx"},
            [
                f"{F}: sectigo_csr_country: 'xx' is not a country code "
                "(allowed: ISO 3166-1 alpha-2, e.g. GB, US, NO)"
            ],
            id="country-xx",
        ),
        pytest.param(
            {"sectigo_csr_domain": " "},
            [
                f"{F}: sectigo_csr_domain: is empty "
                "(allowed: the certificate's domain, e.g. www.example.com)"
            ],
            id="cn-blank",
        ),
        pytest.param(
            {"sectigo_csr_domain": "b" + CN_64},
            [f"{F}: sectigo_csr_domain: 65 characters is too long (allowed: ≤ 64)"],
            id="cn-65",
        ),
        pytest.param(
            {"sectigo_csr_domain": "10.0.0.1"},
            [f"{F}: sectigo_csr_domain: '10.0.0.1' is not a valid name (allowed: {NAME_HELP})"],
            id="cn-ip",
        ),
        pytest.param(
            {"sectigo_ssl_cert_subject_alt_names": "ok.example.com, bad_name"},
            [
                f"{F}: sectigo_ssl_cert_subject_alt_names: 'bad_name' is not a valid name "
                f"(allowed: {NAME_HELP} or an IP)"
            ],
            id="san",
        ),
        pytest.param(
            {"sectigo_csr_email_address": "nobody"},
            [
                f"{F}: sectigo_csr_email_address: 'nobody' is not an email address "
                "(allowed: name@example.com)"
            ],
            id="email",
        ),
        pytest.param(
            {"sectigo_ssl_cert_external_requester": "a@example.com, nope"},
            [
                f"{F}: sectigo_ssl_cert_external_requester: 'nope' is not an email address "
                "(allowed: name@example.com)"
            ],
            id="requester",
        ),
        pytest.param(
            {"sectigo_expiry_window": -1},
            [f"{F}: sectigo_expiry_window: input should be greater than or equal to 0"],
            id="window-minus-1",
        ),
        pytest.param(
            {"sectigo_expiry_window": 367},
            [f"{F}: sectigo_expiry_window: input should be less than or equal to 366"],
            id="window-367",
        ),
        pytest.param(
            {"sectigo_cm_org_id": 0, "sectigo_ssl_cert_validity": 0},
            [
                f"{F}: sectigo_cm_org_id: input should be greater than or equal to 1",
                f"{F}: sectigo_ssl_cert_validity: input should be greater than or equal to 1",
            ],
            id="org-and-term-0",
        ),
        pytest.param(
            {"sectigo_ssl_cert_num_servers": -1},
            [f"{F}: sectigo_ssl_cert_num_servers: input should be greater than or equal to 0"],
            id="servers-minus-1",
        ),
        pytest.param(
            {"sectigo_force_renewal": "maybe"},
            [
                f"{F}: sectigo_force_renewal: 'maybe' is not a boolean "
                "(allowed: true/false, yes/no, on/off (any case))"
            ],
            id="bool",
        ),
        pytest.param(
            {"paloalto_location": "vsys0"},
            [
                f"{F}: paloalto_location: 'vsys0' is not a location "
                "(allowed: shared, vsys1, vsys2, …)"
            ],
            id="vsys0",
        ),
        pytest.param(
            {"paloalto_location": "vsys01"},
            [
                f"{F}: paloalto_location: 'vsys01' is not a location "
                "(allowed: shared, vsys1, vsys2, …)"
            ],
            id="vsys01",
        ),
        pytest.param(
            {"paloalto_location": 5},
            [f"{F}: paloalto_location: 5 is not a location (allowed: shared, vsys1, vsys2, …)"],
            id="location-number",
        ),
        pytest.param(
            {"paloalto_fw_profile": "fw_one, ../fw_two"},
            [
                f"{F}: paloalto_fw_profile: '../fw_two' is a path "
                "(allowed: a fw_*.yaml file name in cert_profile_path)"
            ],
            id="fw-path",
        ),
        pytest.param(
            {"paloalto_fw_profile": "dir\\fw_one"},
            [
                f"{F}: paloalto_fw_profile: 'dir\\\\fw_one' is a path "
                "(allowed: a fw_*.yaml file name in cert_profile_path)"
            ],
            id="fw-windows-path",
        ),
        pytest.param(
            {"paloalto_fw_profile": 5},
            [f"{F}: paloalto_fw_profile: not a list"],
            id="fw-number",
        ),
        pytest.param(
            {"sectigo_ssl_cert_custom_fields": ["x"]},
            [f"{F}: sectigo_ssl_cert_custom_fields: not a mapping"],
            id="custom-fields",
        ),
    ],
)
def test_profile_rules_read_word_for_word(overrides: dict[str, Any], lines: list[str]) -> None:
    assert profile_problems(overrides) == lines


@pytest.mark.parametrize(
    ("bindings", "line"),
    [
        pytest.param("tls", "not a list", id="text"),
        pytest.param(
            ["portal"],
            f"'portal' is not a one-key mapping (allowed: {BINDINGS_HELP})",
            id="not-a-mapping",
        ),
        pytest.param(
            [{"decryption_rule": "a", "ssl_tls_service_profile": "b"}],
            "{'decryption_rule': 'a', 'ssl_tls_service_profile': 'b'} is not a one-key mapping "
            f"(allowed: {BINDINGS_HELP})",
            id="two-keys",
        ),
        pytest.param(
            [{"gp_portal": "x"}],
            f"{{'gp_portal': 'x'}} is not a binding (allowed: {BINDINGS_HELP})",
            id="kind",
        ),
        pytest.param(
            [{"decryption_rule": 5}],
            f"{{'decryption_rule': 5}} is not a binding (allowed: {BINDINGS_HELP})",
            id="name-number",
        ),
        pytest.param(
            [{"decryption_rule": " "}],
            f"{{'decryption_rule': ' '}} is not a binding (allowed: {BINDINGS_HELP})",
            id="name-blank",
        ),
        pytest.param(
            [{"Decryption_Rule": 'in"x'}],
            f"decryption_rule: object name 'in\"x' {PAN_NAME_RULE} (allowed: {BINDINGS_HELP})",
            id="name-for-xpath",
        ),
        pytest.param(
            [{"decryption_rule": "in"}, {" DECRYPTION_RULE ": " in "}],
            "decryption_rule ' in ' is listed twice (allowed: each binding once)",
            id="twice",
        ),
    ],
)
def test_binding_rules(bindings: Any, line: str) -> None:
    assert profile_problems({"paloalto_bindings": bindings}) == [f"{F}: paloalto_bindings: {line}"]


def test_bindings_are_normalised() -> None:
    found = profile(
        {
            "paloalto_bindings": [
                {" SSL_TLS_Service_Profile ": " portal "},
                {"decryption_rule": "in bound"},
                {"ssl_tls_service_profile": "in bound"},
            ]
        }
    ).bindings
    assert found == (
        Binding(kind="ssl_tls_service_profile", name="portal"),
        Binding(kind="decryption_rule", name="in bound"),
        Binding(kind="ssl_tls_service_profile", name="in bound"),
    )
    assert profile({"paloalto_bindings": None}).bindings == ()


@pytest.mark.parametrize(
    ("name", "why"),
    [
        pytest.param("a" * 54, None, id="54"),
        pytest.param("web.example_com-1", None, id="every-allowed-character"),
        pytest.param("9web", None, id="leading-digit"),
        pytest.param(
            "a" * 55,
            "55 characters is too long (room is kept for the rotation suffix)",
            id="55",
        ),
        pytest.param(
            "-web",
            "must start with a letter or digit and use only letters, digits, '.', '_', '-'",
            id="leading-hyphen",
        ),
        pytest.param(
            "web site",
            "must start with a letter or digit and use only letters, digits, '.', '_', '-'",
            id="space",
        ),
    ],
)
def test_profile_file_names(name: str, why: str | None) -> None:
    assert check_profile_name(name) == why


@pytest.mark.parametrize(
    ("overrides", "lines"),
    [
        pytest.param(
            {"sectigo_csr_state": "x" * 129},
            [f"{F}: sectigo_csr_state: too long (allowed: at most 128 characters)"],
            id="state-129",
        ),
        pytest.param(
            {"sectigo_csr_organization": "x" * 65},
            [f"{F}: sectigo_csr_organization: too long (allowed: at most 64 characters)"],
            id="organization-65",
        ),
        pytest.param(
            {"scm_credential_detail": ""},
            [f"{F}: scm_credential_detail: empty (allowed: at least 1 character)"],
            id="credential-empty",
        ),
        pytest.param(
            {"paloalto_fw_profile": ","},
            [f"{F}: paloalto_fw_profile: empty (allowed: at least 1 entry)"],
            id="no-firewall-named",
        ),
    ],
)
def test_lengths_read_as_a_problem_and_what_is_allowed(
    overrides: dict[str, Any], lines: list[str]
) -> None:
    assert profile_problems(overrides) == lines
    at_the_limit = {k: v[:-1] for k, v in overrides.items() if len(v) > 64}
    if at_the_limit:
        profile(at_the_limit)
