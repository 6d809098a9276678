"""Firewall profiles and SCM credentials (``config/models.py``): each rule's boundary and its
one line, word for word, and how accepted values are normalised (README, "Firewall profiles",
"HA pairs", "sectigo_credentials.yaml")."""

from __future__ import annotations

from typing import Any

import pytest

from pancert.config.models import FirewallProfile, ScmCredential
from tests.unit.config_kit import CREDENTIAL, FIREWALL, FOLDER, problems, valid

W, S = "fw_one.yaml", "sectigo_credentials.yaml"
URL_HELP = "https://HOST[:PORT][/PATH]"
PEERS_HELP = "https://HOST[:PORT], or [https://PEER1, https://PEER2] for an HA pair"
LOGIN_HELP = (
    "sectigo_cm_user_id + sectigo_cm_user_secret, or sectigo_cm_login + "
    "sectigo_cm_password + sectigo_cm_customer_uri"
)
FW_SOURCE = {"name": "fw_one", "source": FOLDER / W}
CRED_SOURCE = {"label": "MAIN", "source": FOLDER / S}
PIN = "ab" * 32


def firewall_lines(overrides: dict[str, Any]) -> list[str]:
    return problems(FirewallProfile, {**FIREWALL, **overrides}, W, **FW_SOURCE)


def credential_lines(raw: dict[str, Any]) -> list[str]:
    return problems(ScmCredential, raw, S, **CRED_SOURCE)


@pytest.mark.parametrize(
    ("overrides", "lines"),
    [
        pytest.param(
            {"paloalto_url": "https://fw.example.com/apix"},
            [
                f"{W}: paloalto_url: must name the firewall only, not a path (allowed: https://HOST[:PORT])"
            ],
            id="path",
        ),
        pytest.param(
            {"paloalto_url": " "},
            [
                f"{W}: paloalto_url: is empty "
                "(allowed: https://HOST[:PORT], the firewall's management address)"
            ],
            id="blank",
        ),
        pytest.param(
            {"paloalto_url": "http://fw.example.com"},
            [
                f"{W}: paloalto_url: 'http://fw.example.com' must use https "
                f"(TLS is never optional here) (allowed: {URL_HELP})"
            ],
            id="http",
        ),
        *(
            pytest.param(
                {"paloalto_url": urls},
                [
                    f"{W}: paloalto_url: a list names the two peers of an HA pair, got {n} "
                    f"item(s) (allowed: {PEERS_HELP})"
                ],
                id=f"list-{label}",
            )
            for urls, n, label in (
                (["https://a.example.com"], 1, "one"),
                (["a.example.com", "b.example.com", "c.example.com"], 3, "three"),
                (["a.example.com", " "], 2, "blank"),
                (["a.example.com", 5], 2, "number"),
            )
        ),
        pytest.param(
            {"paloalto_url": ["https://a.example.com/", "a.example.com"]},
            [f"{W}: paloalto_url: the two HA peers have the same address (allowed: {PEERS_HELP})"],
            id="same",
        ),
        pytest.param({"paloalto_url": 5}, [f"{W}: paloalto_url: not a list"], id="number"),
        pytest.param(
            {"paloalto_api_key": "1234567"},
            [
                f"{W}: paloalto_api_key: too short to be a real secret "
                "(allowed: at least 8 characters)"
            ],
            id="key-7",
        ),
        pytest.param(
            {"paloalto_api_key": ["fw-api-key-0123"]},
            [f"{W}: paloalto_api_key: not text"],
            id="key-list",
        ),
        pytest.param(
            {"paloalto_tls_fingerprint": PIN[:-1]},
            [
                f"{W}: paloalto_tls_fingerprint: not a SHA-256 fingerprint "
                "(allowed: SHA-256 as 64 hex digits, colons optional)"
            ],
            id="pin-63",
        ),
        pytest.param(
            {"paloalto_ha_sync_timeout": 0},
            [f"{W}: paloalto_ha_sync_timeout: input should be greater than 0"],
            id="sync-0",
        ),
        pytest.param(
            {"paloalto_mode": "template"},
            [
                f"{W}: paloalto_mode: not an allowed value "
                "(allowed: 'device' or 'panorama-template')"
            ],
            id="mode",
        ),
    ],
)
def test_firewall_rules(overrides: dict[str, Any], lines: list[str]) -> None:
    assert firewall_lines(overrides) == lines


def firewall(overrides: dict[str, Any]) -> FirewallProfile:
    return valid(FirewallProfile, {**FIREWALL, **overrides}, W, **FW_SOURCE)


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        *(
            pytest.param({"paloalto_url": url}, "urls", (want,), id=f"url-{url}")
            for url, want in (
                ("fw.example.com", "https://fw.example.com"),
                ("10.0.0.1:8443", "https://10.0.0.1:8443"),
                (" https://fw.example.com/ ", "https://fw.example.com"),
                ("https://fw.example.com:8443/api", "https://fw.example.com:8443"),
                ("https://fw.example.com/api/", "https://fw.example.com"),
            )
        ),
        pytest.param(
            {"paloalto_url": ("a.example.com", "https://b.example.com/api")},
            "urls",
            ("https://a.example.com", "https://b.example.com"),
            id="pair",
        ),
        pytest.param({"paloalto_url": None}, "urls", (), id="no-url"),
        pytest.param({"paloalto_api_key": 12345678}, "api_key", "12345678", id="key-number"),
        pytest.param({"paloalto_api_key": " abcdefgh "}, "api_key", "abcdefgh", id="key-8"),
        pytest.param({"paloalto_commit_description": ""}, "commit_description", "pancert", id="d"),
        pytest.param(
            {"paloalto_commit_description": None}, "commit_description", "pancert", id="d-null"
        ),
        pytest.param({"paloalto_commit_user": " api "}, "commit_user", "api", id="user"),
        pytest.param({"paloalto_ca_bundle": " "}, "ca_bundle", None, id="ca-blank"),
        pytest.param({"paloalto_ca_bundle": "ca.pem"}, "ca_bundle", FOLDER / "ca.pem", id="ca"),
        pytest.param({"paloalto_tls_fingerprint": ""}, "tls_fingerprint", None, id="pin-empty"),
        pytest.param(
            {"paloalto_tls_fingerprint": "SHA256:" + ":".join(["AB"] * 32)},
            "tls_fingerprint",
            PIN,
            id="pin-openssl",
        ),
        pytest.param(
            {"paloalto_tls_fingerprint": " sha-256=" + " ".join(["ab"] * 32)},
            "tls_fingerprint",
            PIN,
            id="pin-spaced",
        ),
        pytest.param({"paloalto_tls_insecure": "YES"}, "tls_insecure", True, id="insecure"),
        pytest.param({"paloalto_panorama": " fw_pano.YAML "}, "panorama", "fw_pano", id="pano"),
        pytest.param({"paloalto_panorama": "fw_pano.yml"}, "panorama", "fw_pano", id="pano-yml"),
        pytest.param(
            {"paloalto_panorama": "fw_pano.yamlx"}, "panorama", "fw_pano.yamlx", id="pano-x"
        ),
        pytest.param({"paloalto_ha_sync_timeout": 0.5}, "ha_sync_timeout", 0.5, id="sync"),
    ],
)
def test_firewall_values(overrides: dict[str, Any], field: str, expected: Any) -> None:
    found = getattr(firewall(overrides), field)
    secret = getattr(found, "get_secret_value", None)
    assert (secret() if secret else found) == expected


@pytest.mark.parametrize(
    ("overrides", "address"),
    [
        pytest.param(
            {"paloalto_url": ["a.example.com", "b.example.com"]},
            "https://a.example.com, https://b.example.com",
            id="pair",
        ),
        pytest.param(
            {"paloalto_url": None, "paloalto_panorama": "pano", "paloalto_serial": "0123"},
            "0123 via pano",
            id="serial",
        ),
        pytest.param(
            {"paloalto_url": None, "paloalto_panorama": "pano", "paloalto_device": "branch"},
            "branch via pano",
            id="device",
        ),
        pytest.param(
            {"paloalto_panorama": "pano", "paloalto_serial": "0123"},
            "https://fw.example.com",
            id="own-url-behind-panorama",
        ),
        pytest.param(
            {
                "paloalto_panorama": "pano",
                "paloalto_mode": "panorama-template",
                "paloalto_template": "gp",
            },
            "template gp via pano",
            id="template",
        ),
    ],
)
def test_where_calls_go_reads_plainly(overrides: dict[str, Any], address: str) -> None:
    assert firewall(overrides).address == address


def test_one_url_or_a_pair() -> None:
    single, pair = firewall({}), firewall({"paloalto_url": ["a.example.com", "b.example.com"]})
    assert (single.url, single.is_ha_pair) == ("https://fw.example.com", False)
    assert (pair.url, pair.is_ha_pair) == ("https://a.example.com", True)
    assert firewall({"paloalto_url": None}).url is None


@pytest.mark.parametrize(
    ("raw", "lines"),
    [
        pytest.param({}, [f"{S}: incomplete credentials (allowed: {LOGIN_HELP})"], id="empty"),
        pytest.param(
            {"sectigo_cm_user_id": "id", "sectigo_cm_login": "u", "sectigo_cm_password": "p" * 8},
            [f"{S}: incomplete credentials (allowed: {LOGIN_HELP})"],
            id="half-of-each",
        ),
        pytest.param(
            {**CREDENTIAL, "sectigo_dcv_mode": "sms"},
            [
                f"{S}: sectigo_dcv_mode: 'sms' is not a DCV mode "
                "(allowed: CNAME, HTTP, HTTPS, TXT, EMAIL, AUTO)"
            ],
            id="dcv-mode",
        ),
        pytest.param(
            {**CREDENTIAL, "sectigo_dcv_mode": "email"},
            [
                f"{S}: sectigo_dcv_mode EMAIL needs sectigo_dcv_email "
                "(allowed: an address SCM offers for the domain, e.g. admin@example.com)"
            ],
            id="email-without-address",
        ),
        pytest.param(
            {**CREDENTIAL, "sectigo_dcv_email": "admin"},
            [
                f"{S}: sectigo_dcv_email: 'admin' is not an email address "
                "(allowed: name@example.com)"
            ],
            id="dcv-email",
        ),
        pytest.param(
            {**CREDENTIAL, "sectigo_cm_org_id": 0},
            [f"{S}: sectigo_cm_org_id: input should be greater than or equal to 1"],
            id="org-0",
        ),
        pytest.param(
            {**CREDENTIAL, "sectigo_cert_type_map": ["DV"]},
            [f"{S}: sectigo_cert_type_map: not a mapping"],
            id="type-map",
        ),
        pytest.param(
            {**CREDENTIAL, "sectigo_cert_type_map": {"dv": [1]}},
            [
                f"{S}: sectigo_cert_type_map[DV][str]: not text",
                f"{S}: sectigo_cert_type_map[DV][int]: not a whole number",
            ],
            id="type-map-value",
        ),
    ],
)
def test_credential_rules(raw: dict[str, Any], lines: list[str]) -> None:
    assert credential_lines(raw) == lines


def test_credential_values() -> None:
    oauth = valid(
        ScmCredential,
        {
            **CREDENTIAL,
            "sectigo_dcv_mode": " txt ",
            "sectigo_cert_type_map": {" dv ": "123", "Ov": "Custom OV", "ev": 7},
            "sectigo_cm_org_id": "1",
        },
        S,
        **CRED_SOURCE,
    )
    assert (oauth.uses_oauth, oauth.dcv_mode, oauth.org_id) == (True, "TXT", 1)
    assert oauth.cert_type_map == {"DV": 123, "OV": "Custom OV", "EV": 7}
    emailed = {**CREDENTIAL, "sectigo_dcv_mode": "EMAIL", "sectigo_dcv_email": "admin@example.com"}
    assert valid(ScmCredential, emailed, S, **CRED_SOURCE).dcv_email == "admin@example.com"
    legacy = {
        "sectigo_cm_login": " admin ",
        "sectigo_cm_password": "password-1",
        "sectigo_cm_customer_uri": "acme",
        "sectigo_cert_type_map": None,
    }
    found = valid(ScmCredential, legacy, S, **CRED_SOURCE)
    assert (found.uses_oauth, found.login, found.cert_type_map) == (False, "admin", {})
    both = {**legacy, "sectigo_cm_user_id": "id"}
    assert valid(ScmCredential, both, S, **CRED_SOURCE).uses_oauth is False
