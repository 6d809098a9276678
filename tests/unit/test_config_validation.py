"""Each validation rule: the problem names the file and field, says what is allowed, and only
the profiles it touches are set aside."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pancert.commands._exits import for_error
from pancert.config import LoadedConfig, load_config
from pancert.errors import ConfigError
from tests.unit.test_config_support import make_folder


def load(cfg: Path) -> LoadedConfig:
    return load_config(str(cfg), environ={})


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        pytest.param(
            {"sectigo_csr_key_size": 1024},
            "sectigo_csr_key_size",
            "2048, 3072, 4096",
            id="rsa-size",
        ),
        pytest.param(
            {"sectigo_csr_key_type": "EC", "sectigo_csr_key_size": 3072},
            "sectigo_csr_key_size",
            "256, 384, 521",
            id="ec-size",
        ),
        pytest.param(
            {"sectigo_csr_key_type": "DSA"}, "sectigo_csr_key_type", "RSA, EC", id="key-type"
        ),
        pytest.param(
            {"sectigo_csr_key_size": "big"}, "sectigo_csr_key_size", "whole number", id="size-type"
        ),
        pytest.param(
            {"sectigo_csr_country": "UK"}, "sectigo_csr_country", "ISO 3166", id="country"
        ),
        pytest.param(
            {"sectigo_csr_country": "CAN"}, "sectigo_csr_country", "ISO 3166", id="country-alpha3"
        ),
        pytest.param({"sectigo_csr_domain": ""}, "sectigo_csr_domain", "empty", id="empty-cn"),
        pytest.param(
            {"sectigo_csr_domain": None}, "sectigo_csr_domain", "required", id="missing-cn"
        ),
        pytest.param(
            {"sectigo_csr_domain": "bad_name!.example.com"},
            "sectigo_csr_domain",
            "DNS name",
            id="bad-cn",
        ),
        pytest.param(
            {"sectigo_csr_domain": ("a" * 60) + ".example.com"},
            "sectigo_csr_domain",
            "too long",
            id="long-cn",
        ),
        pytest.param(
            {"sectigo_csr_domain": ["www.example.com"]},
            "sectigo_csr_domain",
            "not text",
            id="cn-type",
        ),
        pytest.param(
            {"sectigo_ssl_cert_subject_alt_names": "ok.example.com, -bad-.example.com"},
            "sectigo_ssl_cert_subject_alt_names",
            "not a valid name",
            id="bad-san",
        ),
        pytest.param(
            {"sectigo_csr_email_address": "nobody"},
            "sectigo_csr_email_address",
            "email",
            id="email",
        ),
        pytest.param(
            {"sectigo_ssl_cert_external_requester": "a@example.com, nope"},
            "sectigo_ssl_cert_external_requester",
            "email",
            id="requester",
        ),
        pytest.param(
            {"sectigo_expiry_window": -1}, "sectigo_expiry_window", "greater than", id="window"
        ),
        pytest.param(
            {"sectigo_expiry_window": [1]},
            "sectigo_expiry_window",
            "whole number",
            id="window-type",
        ),
        pytest.param(
            {"sectigo_force_renewal": "maybe"}, "sectigo_force_renewal", "yes/no", id="bool"
        ),
        pytest.param({"sectigo_auto_renew": 2}, "sectigo_auto_renew", "yes/no", id="bool-int"),
        pytest.param(
            {"paloalto_location": "panorama"}, "paloalto_location", "vsys1", id="location"
        ),
        pytest.param(
            {"paloalto_location": "vsys0"}, "paloalto_location", "vsys1", id="location-vsys0"
        ),
        pytest.param(
            {"paloalto_bindings": [{"decryption_rule": "in"}, {"decryption_rule": "in"}]},
            "paloalto_bindings",
            "listed twice",
            id="duplicate-binding",
        ),
        pytest.param(
            {"paloalto_bindings": [{"gp_portal": "x"}]},
            "paloalto_bindings",
            "ssl_tls_service_profile",
            id="binding-kind",
        ),
        pytest.param(
            {"paloalto_bindings": "tls"}, "paloalto_bindings", "not a list", id="binding-type"
        ),
        pytest.param(
            {"paloalto_fw_profile": "../fw_one"}, "paloalto_fw_profile", "path", id="fw-path"
        ),
        pytest.param(
            {"paloalto_fw_profile": "fw_nowhere.yaml"},
            "paloalto_fw_profile",
            "fw_one",
            id="missing-firewall",
        ),
        pytest.param(
            {"scm_credential_detail": "OTHER"},
            "scm_credential_detail",
            "MAIN",
            id="missing-credential",
        ),
        pytest.param({"sectigo_cm_org_id": 0}, "sectigo_cm_org_id", "greater than", id="org-id"),
        pytest.param(
            {"sectigo_ssl_cert_validity": "year"},
            "sectigo_ssl_cert_validity",
            "whole number",
            id="term",
        ),
        pytest.param(
            {"sectigo_ssl_cert_custom_fields": ["x"]},
            "sectigo_ssl_cert_custom_fields",
            "mapping",
            id="custom-fields",
        ),
        pytest.param(
            {"sectigo_csr_key_size": 2048, "SECTIGO_CSR_KEY_SIZE": 4096},
            "SECTIGO_CSR_KEY_SIZE",
            "duplicates",
            id="two-spellings",
        ),
    ],
)
def test_profile_rule(tmp_path: Path, overrides: dict[str, Any], field: str, fragment: str) -> None:
    cfg = make_folder(tmp_path, profiles={"web": overrides, "other": {}})
    loaded = load(cfg)
    assert set(loaded.profiles) == {"other"}  # the rest proceed
    problems = loaded.broken_profiles["web"]
    matching = [p for p in problems if p.field == field]
    assert matching, problems
    assert matching[0].file == str(tmp_path / "web.yaml")
    assert fragment in str(matching[0])
    assert matching[0] in loaded.problems


def test_every_problem_of_a_file_is_listed_at_once(tmp_path: Path) -> None:
    bad = {
        "sectigo_csr_key_type": "DSA",
        "sectigo_csr_country": "UK",
        "sectigo_csr_domain": "",
        "paloalto_fw_profile": "fw_gone",
        "scm_credential_detail": "GONE",
    }
    loaded = load(make_folder(tmp_path, profiles={"web": bad}))
    fields = {p.field for p in loaded.broken_profiles["web"]}
    assert fields == {
        "sectigo_csr_key_type",
        "sectigo_csr_country",
        "sectigo_csr_domain",
        "paloalto_fw_profile",
        "scm_credential_detail",
    }


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("a" * 54, True),
        ("a" * 55, False),
        ("web.example_com-1", True),
        ("-web", False),
        ("_web", False),
        ("web site", False),
        ("wéb", False),
    ],
)
def test_profile_names_leave_room_for_the_rotation_suffix(
    tmp_path: Path, name: str, ok: bool
) -> None:
    loaded = load(make_folder(tmp_path, profiles={name: {}}))
    assert (name in loaded.profiles) is ok
    if not ok:
        assert loaded.broken_profiles[name][0].field == "(file name)"


def test_a_binding_claimed_twice_on_one_firewall_fails_both_claimants(tmp_path: Path) -> None:
    claim = {"paloalto_bindings": [{"ssl_tls_service_profile": "portal"}]}
    cfg = make_folder(tmp_path, profiles={"a": claim, "b": claim, "c": {}})
    loaded = load(cfg)
    assert set(loaded.profiles) == {"c"}
    assert "also claimed by b" in str(loaded.broken_profiles["a"][0])


def test_the_same_binding_on_different_firewalls_is_fine(tmp_path: Path) -> None:
    claim = [{"ssl_tls_service_profile": "portal"}]
    cfg = make_folder(
        tmp_path,
        profiles={
            "a": {"paloalto_bindings": claim},
            "b": {"paloalto_bindings": claim, "paloalto_fw_profile": "fw_two"},
        },
        firewalls={"fw_one": {}, "fw_two": {}},
    )
    assert set(load(cfg).profiles) == {"a", "b"}


def test_malformed_yaml_fails_only_that_profile(tmp_path: Path) -> None:
    loaded = load(make_folder(tmp_path, profiles={"web": {}, "bad": "key: [1, 2\n"}))
    assert set(loaded.profiles) == {"web"}
    assert "malformed YAML at line 2" in str(loaded.broken_profiles["bad"][0])


def test_profiles_with_one_name_twice_are_refused(tmp_path: Path) -> None:
    cfg = make_folder(tmp_path, profiles={"web": {}})
    (tmp_path / "web.yml").write_text((tmp_path / "web.yaml").read_text())
    loaded = load(cfg)
    assert "same profile name" in str(loaded.broken_profiles["web"])
    assert "web" not in loaded.profiles  # neither file runs: which one is meant is unknowable


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        pytest.param({"paloalto_url": "http://fw.example.com"}, "paloalto_url", "https", id="http"),
        pytest.param(
            {"paloalto_url": "https://admin:pw@fw.example.com"},
            "paloalto_url",
            "no user",
            id="userinfo",
        ),
        pytest.param(
            {"paloalto_url": "https://fw.example.com/php/login"},
            "paloalto_url",
            "not a path",
            id="path",
        ),
        pytest.param({"paloalto_url": None}, "paloalto_url", "required", id="missing-url"),
        pytest.param(
            {"paloalto_url": ["https://a.example.com"]},
            "paloalto_url",
            "two peers of an HA pair, got 1",
            id="pair-of-one",
        ),
        pytest.param(
            {"paloalto_url": ["https://a.example.com", "https://b.example.com", "https://c"]},
            "paloalto_url",
            "[https://PEER1, https://PEER2]",
            id="pair-of-three",
        ),
        pytest.param(
            {"paloalto_url": ["https://a.example.com", "a.example.com"]},
            "paloalto_url",
            "same address",
            id="pair-twice",
        ),
        pytest.param(
            {"paloalto_url": ["https://a.example.com", "http://b.example.com"]},
            "paloalto_url",
            "https",
            id="pair-http",
        ),
        pytest.param(
            {"paloalto_ha_sync_timeout": 0}, "paloalto_ha_sync_timeout", "greater than 0", id="sync"
        ),
        pytest.param({"paloalto_api_key": None}, "paloalto_api_key", "required", id="no-key"),
        pytest.param(
            {"paloalto_api_key": "short"}, "paloalto_api_key", "too short", id="short-key"
        ),
        pytest.param(
            {"paloalto_tls_fingerprint": "abcd"}, "paloalto_tls_fingerprint", "SHA-256", id="pin"
        ),
        pytest.param(
            {"paloalto_tls_insecure": "sometimes"}, "paloalto_tls_insecure", "yes/no", id="insecure"
        ),
    ],
)
def test_firewall_rule_fails_the_profiles_using_it(
    tmp_path: Path, overrides: dict[str, Any], field: str, fragment: str
) -> None:
    cfg = make_folder(
        tmp_path,
        profiles={"web": {}, "other": {"paloalto_fw_profile": "fw_two"}},
        firewalls={"fw_one": overrides, "fw_two": {}},
    )
    loaded = load(cfg)
    assert set(loaded.profiles) == {"other"}
    problem = next(p for p in loaded.broken_profiles["web"] if p.field == field)
    assert problem.file == str(tmp_path / "fw_one.yaml")
    assert fragment in str(problem)


def test_a_firewall_profile_may_name_the_two_peers_of_an_ha_pair(tmp_path: Path) -> None:
    pair = {"paloalto_url": ["fw-a.example.com", "https://fw-b.example.com:8443/api/"]}
    loaded = load(make_folder(tmp_path, firewalls={"fw_one": pair}))
    firewall = loaded.firewalls["fw_one"]
    assert firewall.is_ha_pair
    assert firewall.urls == ("https://fw-a.example.com", "https://fw-b.example.com:8443")
    assert firewall.url == "https://fw-a.example.com"
    assert firewall.ha_sync_timeout == 300.0
    single = load(make_folder(tmp_path / "one", firewalls={"fw_one": {}})).firewalls["fw_one"]
    assert not single.is_ha_pair
    assert len(single.urls) == 1


def test_insecure_tls_is_allowed_but_warned(tmp_path: Path) -> None:
    loaded = load(make_folder(tmp_path, firewalls={"fw_one": {"paloalto_tls_insecure": "yes"}}))
    assert loaded.firewalls["fw_one"].tls_insecure is True
    assert "web" in loaded.profiles
    assert any("TLS verification is OFF" in w for w in loaded.warnings)


@pytest.mark.parametrize(
    "credential",
    [
        pytest.param({"sectigo_cm_user_id": "id"}, id="no-secret"),
        pytest.param(
            {"sectigo_cm_login": "user", "sectigo_cm_password": "password-1"}, id="no-customer-uri"
        ),
        pytest.param({}, id="empty"),
        pytest.param(
            {"sectigo_cm_user_id": "id", "sectigo_cm_user_secret": "abc"}, id="short-secret"
        ),
        pytest.param("just text", id="not-a-mapping"),
    ],
)
def test_credential_rule_fails_the_profiles_using_it(tmp_path: Path, credential: Any) -> None:
    cfg = make_folder(
        tmp_path,
        profiles={"web": {}, "other": {"scm_credential_detail": "GOOD"}},
        credentials={
            "MAIN": credential,
            "GOOD": {"sectigo_cm_user_id": "id", "sectigo_cm_user_secret": "s3cret-99"},
        },
    )
    loaded = load(cfg)
    assert set(loaded.profiles) == {"other"}
    problem = loaded.broken_profiles["web"][0]
    assert problem.file == str(tmp_path / "sectigo_credentials.yaml")
    assert problem.field.startswith("MAIN")


def test_plaintext_secrets_fail_when_encryption_is_required(tmp_path: Path) -> None:
    cfg = make_folder(
        tmp_path, config={"sectigo_encrypt_credentials": "yes", "sectigo_gnu_key": "B" * 40}
    )
    loaded = load(cfg)
    assert loaded.profiles == {}
    messages = [str(p) for p in loaded.broken_profiles["web"]]
    assert any("fw_one.yaml: paloalto_api_key: secret stored in plaintext" in m for m in messages)
    assert any("sectigo_credentials.yaml: MAIN: secret stored in plaintext" in m for m in messages)
    assert all("pancert encrypt" in m for m in messages)


def test_unknown_keys_only_warn_with_the_closest_known_key(tmp_path: Path) -> None:
    cfg = make_folder(
        tmp_path,
        config={"sectigo_log_levle": "DEBUG", "sectigo_sdk_thing": 1},
        profiles={"web": {"sectigo_csr_domian": "x", "sectigo_csr_domain": "www.example.com"}},
    )
    loaded = load(cfg)
    assert loaded.problems == []
    assert (
        f"{tmp_path / 'config.yaml'}: sectigo_log_levle: unknown key (did you mean "
        "sectigo_log_level?)" in loaded.warnings
    )
    assert f"{tmp_path / 'config.yaml'}: sectigo_sdk_thing: unknown key" in loaded.warnings
    assert any(
        "sectigo_csr_domian: unknown key (did you mean sectigo_csr_domain?)" in w
        for w in loaded.warnings
    )


def test_ec_521_warns_that_the_firewall_may_refuse(tmp_path: Path) -> None:
    overrides = {"sectigo_csr_key_type": "EC", "sectigo_csr_key_size": 521}
    loaded = load(make_folder(tmp_path, profiles={"web": overrides}))
    assert "web" in loaded.profiles
    assert any("EC 521" in w for w in loaded.warnings)


@pytest.mark.parametrize(
    ("config", "fields"),
    [
        pytest.param(
            {"sectigo_scm_url": None, "sectigo_log_level": "TRACE"},
            {"sectigo_scm_url", "sectigo_log_level"},
            id="missing-and-bad",
        ),
        pytest.param(
            {"sectigo_scm_url": "http://scm.example.com"}, {"sectigo_scm_url"}, id="http-scm"
        ),
        pytest.param(
            {"sectigo_log_size_mb": 0, "sectigo_logger_count": "many"},
            {"sectigo_log_size_mb", "sectigo_logger_count"},
            id="log-sizes",
        ),
        pytest.param({"sectigo_gnu_key": "not-a-key"}, {"sectigo_gnu_key"}, id="gnu-key"),
        pytest.param({"pancert_age_recipients": "age1short"}, {"pancert_age_recipients"}, id="age"),
        pytest.param(
            {"pancert_max_parallel_firewalls": 0}, {"pancert_max_parallel_firewalls"}, id="parallel"
        ),
        pytest.param(
            {"cert_profile_path": "missing-folder"}, {"cert_profile_path"}, id="profile-folder"
        ),
    ],
)
def test_config_yaml_problems_raise_all_at_once(
    tmp_path: Path, config: dict[str, Any], fields: set[str]
) -> None:
    with pytest.raises(ConfigError) as caught:
        load(make_folder(tmp_path, config=config))
    assert {p.field for p in caught.value.problems} == fields
    assert for_error(caught.value) == 2


@pytest.mark.parametrize("text", ["- a\n- b\n", "key: [1\n", "{a: 1, a: 2}\n"])
def test_a_malformed_config_yaml_is_a_config_error(tmp_path: Path, text: str) -> None:
    make_folder(tmp_path)
    (tmp_path / "config.yaml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load(tmp_path / "config.yaml")
    assert str(tmp_path / "config.yaml") in str(caught.value)
