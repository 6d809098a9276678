"""Discovery, path resolution, key aliases, YAML 1.2 and profile selection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pancert import secrets as pancert_secrets
from pancert.commands._exits import for_error
from pancert.config import CONFIG_ENV, LoadedConfig, load_config
from pancert.config.yamlio import load_yaml
from pancert.errors import ConfigError, UsageError
from pancert.redaction import redact
from tests.unit.test_config_support import PROFILE, make_folder, write


def load(cfg: Path, **env: str) -> LoadedConfig:
    return load_config(str(cfg), environ=env)


# --- discovery ------------------------------------------------------------------------------


def test_explicit_config_wins_over_environment_and_cwd(isolated_env: Path) -> None:
    make_folder(isolated_env)
    other = make_folder(isolated_env / "other")
    loaded = load_config(str(other), environ={CONFIG_ENV: str(isolated_env / "config.yaml")})
    assert loaded.config_path == other


def test_environment_variable_wins_over_cwd(isolated_env: Path) -> None:
    make_folder(isolated_env)
    other = make_folder(isolated_env / "other")
    assert load_config(None, environ={CONFIG_ENV: str(other)}).config_path == other


def test_environment_variable_may_name_the_folder(isolated_env: Path) -> None:
    other = make_folder(isolated_env / "other")
    assert load_config(None, environ={CONFIG_ENV: str(other.parent)}).config_path == other


def test_current_folder_is_the_last_resort(isolated_env: Path) -> None:
    cfg = make_folder(isolated_env)
    assert load_config(None, environ={}).config_path == cfg


def test_stale_environment_variable_falls_back_with_a_warning(isolated_env: Path) -> None:
    cfg = make_folder(isolated_env)
    loaded = load_config(None, environ={CONFIG_ENV: "/nonexistent/config.yaml"})
    assert loaded.config_path == cfg
    assert any("/nonexistent/config.yaml" in w for w in loaded.warnings)


def test_a_miss_lists_every_path_tried(isolated_env: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(None, environ={CONFIG_ENV: "/nonexistent/pancert.yaml"})
    text = str(caught.value)
    assert "/nonexistent/pancert.yaml" in text
    assert "config.yaml (from the current folder)" in text
    assert for_error(caught.value) == 2


def test_explicit_config_never_falls_back(isolated_env: Path) -> None:
    make_folder(isolated_env)
    with pytest.raises(ConfigError) as caught:
        load_config("typo.yaml", environ={})
    assert "typo.yaml (from --config)" in str(caught.value)


# --- paths -----------------------------------------------------------------------------------


def test_relative_paths_resolve_against_the_config_folder(isolated_env: Path) -> None:
    site = isolated_env / "site"
    cfg = make_folder(
        site / "profiles",
        config={"cert_profile_path": "profiles", "sectigo_log_path": "logs"},
    )
    cfg = write(site / "config.yaml", cfg.read_text())
    (site / "profiles" / "config.yaml").unlink()
    elsewhere = isolated_env / "elsewhere"
    elsewhere.mkdir()
    loaded = load(cfg)
    assert loaded.app.cert_profile_path == site / "profiles"
    assert loaded.app.log_path == site / "logs"
    assert loaded.state_path == site / "profiles"  # the .ids files' folder by default
    assert set(loaded.profiles) == {"web"}


def test_defaults_are_the_guides(isolated_env: Path) -> None:
    app = load(make_folder(isolated_env)).app
    assert app.log_file == "sectigo_pycert.log"
    assert (app.log_size_mb, app.logger_count, app.log_level) == (1, 10, "INFO")
    assert app.encrypt_credentials is False
    assert (app.max_parallel_firewalls, app.collect_timeout, app.commit_timeout) == (10, 300, 1800)
    assert app.cert_profile_path == isolated_env


def test_windows_separators_are_accepted(isolated_env: Path) -> None:
    make_folder(isolated_env / "a" / "b", config={})
    (isolated_env / "a" / "b" / "config.yaml").unlink()
    cfg = write(
        isolated_env / "config.yaml",
        'sectigo_scm_url: https://scm.example.com/\ncert_profile_path: "a\\\\b"\n',
    )
    assert load(cfg).app.cert_profile_path == isolated_env / "a" / "b"


# --- aliases and spelling --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "field", "value", "expected"),
    [
        ("sectigo_log_size_mb", "log_size_mb", 3, 3),
        ("sectigo_logger_size_mb", "log_size_mb", 2, 2),
        ("sectigo_logger_count", "logger_count", 4, 4),
        ("Sectigo_logger_count", "logger_count", 5, 5),
        ("SECTIGO_LOGGER_COUNT", "logger_count", "6", 6),
        ("sectigo_log_count", "logger_count", 7, 7),
        ("sectigo_log_level", "log_level", "debug", "DEBUG"),
        ("sectigo_log_level", "log_level", "Info", "INFO"),
        ("sectigo_encrypt_credentials", "encrypt_credentials", "False", False),
        ("sectigo_sleep_download", "sleep_download", 3, 3),
        (
            "sectigo_gnu_key",
            "gnu_keys",
            "02C5 433F 6789 F139 0EBA 00C4 316B 3F25 AD25 DBE0",
            ("02C5433F6789F1390EBA00C4316B3F25AD25DBE0",),
        ),
        (
            "sectigo_gnu_key",
            "gnu_keys",
            ["02C5433F6789F1390EBA00C4316B3F25AD25DBE0", "A" * 40],
            ("02C5433F6789F1390EBA00C4316B3F25AD25DBE0", "A" * 40),
        ),
        (
            "sectigo_auth_url",
            "auth_url",
            "https://auth.example.com/token",
            "https://auth.example.com/token",
        ),
        ("pancert_max_parallel_firewalls", "max_parallel_firewalls", 3, 3),
    ],
)
def test_config_yaml_keys_and_aliases(
    isolated_env: Path, key: str, field: str, value: Any, expected: Any
) -> None:
    app = load(make_folder(isolated_env, config={key: value})).app
    assert getattr(app, field) == expected


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        ({"paloalto_fw_profile": "fw_one.yaml"}, "firewall_profiles", ("fw_one",)),
        (
            {"paloalto_fw_profile": ["fw_one", "fw_two.yml"]},
            "firewall_profiles",
            ("fw_one", "fw_two"),
        ),
        ({"sectigo_csr_key_size": "3072"}, "key_size", 3072),
        ({"sectigo_csr_key_type": "ecdsa", "sectigo_csr_key_size": 384}, "key_type", "EC"),
        ({"sectigo_csr_key_type": "EC", "sectigo_csr_key_size": None}, "key_size", 256),
        ({"sectigo_csr_key_size": None}, "key_size", 2048),
        ({"sectigo_ssl_cert_type": "ov"}, "cert_type", "OV"),
        ({"sectigo_ssl_cert_type": "Sectigo OV SSL"}, "cert_type", "Sectigo OV SSL"),
        ({"sectigo_ssl_cert_type": "123"}, "cert_type", 123),
        ({"sectigo_ssl_cert_type": 77}, "cert_type", 77),
        (
            {"sectigo_ssl_cert_subject_alt_names": "A.example.com, www.example.com,b.example.com"},
            "sans",
            ("www.example.com", "a.example.com", "b.example.com"),
        ),
        (
            {"sectigo_ssl_cert_subject_alt_names": ["10.0.0.1"]},
            "sans",
            ("www.example.com", "10.0.0.1"),
        ),
        (
            {"sectigo_ssl_cert_external_requester": "a@example.com, b@example.com"},
            "external_requester",
            "a@example.com,b@example.com",
        ),
        ({"sectigo_cm_org_id": "42"}, "org_id", 42),
        ({"sectigo_ssl_cert_validity": 365}, "term_days", 365),
        ({"sectigo_ssl_cert_custom_fields": {"Cost": 42}}, "custom_fields", {"Cost": "42"}),
        ({"sectigo_ssl_cert_num_servers": 2}, "num_servers", 2),
        ({"sectigo_ssl_cert_server_type": -1}, "server_type", -1),
        ({"sectigo_csr_organization_unit": "IT"}, "organization_unit", "IT"),
        ({"sectigo_csr_country": "ca"}, "country", "CA"),
        ({"sectigo_expiry_window": "45"}, "expiry_window_days", 45),
        ({"paloalto_location": "VSYS2"}, "location", "vsys2"),
        (
            {"paloalto_bindings": [{"ssl_tls_service_profile": "tls"}, {"decryption_rule": "in"}]},
            "bindings",
            None,
        ),
        (
            {"SECTIGO_CSR_DOMAIN": "Mail.Example.com", "sectigo_csr_domain": None},
            "common_name",
            "mail.example.com",
        ),
    ],
)
def test_profile_keys_and_aliases(
    isolated_env: Path, overrides: dict[str, Any], field: str, expected: Any
) -> None:
    firewalls: dict[str, Any] = {"fw_one": {}, "fw_two": {}}
    cfg = make_folder(isolated_env, profiles={"web": overrides}, firewalls=firewalls)
    loaded = load(cfg)
    assert loaded.problems == []
    value = getattr(loaded.profiles["web"], field)
    if field == "bindings":
        assert [(b.kind, b.name) for b in value] == [
            ("ssl_tls_service_profile", "tls"),
            ("decryption_rule", "in"),
        ]
    else:
        assert value == expected


def test_profile_defaults(isolated_env: Path) -> None:
    profile = load(make_folder(isolated_env)).profiles["web"]
    assert (profile.force_renewal, profile.auto_renew, profile.expiry_window_days) == (
        False,
        True,
        30,
    )
    assert (profile.revoke_superseded, profile.allow_management) == (False, False)
    assert profile.location == "shared"
    assert profile.sans == ("www.example.com",)


def test_firewall_and_credential_fields(isolated_env: Path) -> None:
    pin = "AB:" * 31 + "AB"
    cfg = make_folder(
        isolated_env,
        firewalls={
            "fw_one": {
                "paloalto_url": "fw.example.com",
                "paloalto_tls_fingerprint": pin,
                "paloalto_ca_bundle": "fw-ca.pem",
            }
        },
        credentials={
            "MAIN": {
                "sectigo_cm_login": "api-user",
                "sectigo_cm_password": "pass-word-1",
                "sectigo_cm_customer_uri": "acme",
                "sectigo_cm_org_id": 7,
                "sectigo_cert_type_map": {"dv": "123", "ov": "Sectigo OV"},
            }
        },
    )
    loaded = load(cfg)
    firewall = loaded.firewalls["fw_one"]
    assert firewall.url == "https://fw.example.com"
    assert firewall.tls_fingerprint == "ab" * 32
    assert firewall.ca_bundle == isolated_env / "fw-ca.pem"
    credential = loaded.credentials["MAIN"]
    assert (credential.login, credential.customer_uri, credential.org_id) == ("api-user", "acme", 7)
    assert credential.cert_type_map == {"DV": 123, "OV": "Sectigo OV"}
    assert not credential.uses_oauth


def test_secrets_are_registered_for_redaction_at_load(isolated_env: Path) -> None:
    cfg = make_folder(
        isolated_env,
        firewalls={"fw_one": {"paloalto_api_key": "api-key-registered-at-load"}},
        credentials={"MAIN": {"sectigo_cm_user_id": "x", "sectigo_cm_user_secret": "s3cr3t-load"}},
    )
    loaded = load(cfg)
    assert "s3cr3t-load" not in repr(loaded.credentials)
    assert redact("k=api-key-registered-at-load s=s3cr3t-load") == "k=*** s=***"


# --- YAML 1.2 -------------------------------------------------------------------------------


def test_yaml_12_norway_and_lenient_booleans(isolated_env: Path) -> None:
    body = "\n".join(
        [
            "paloalto_fw_profile: fw_one",
            "scm_credential_detail: MAIN",
            "sectigo_csr_domain: www.example.com",
            "sectigo_csr_country: NO",
            "sectigo_csr_organization: yes",
            "sectigo_csr_state: on",
            "sectigo_force_renewal: YES",
            "sectigo_auto_renew: off",
            "sectigo_revoke_superseded: True",
            "paloalto_allow_management: On",
        ]
    )
    loaded = load(make_folder(isolated_env, profiles={"web": body}))
    profile = loaded.profiles["web"]
    assert profile.country == "NO"
    assert (profile.organization, profile.state) == ("yes", "on")  # text stays text
    assert (profile.force_renewal, profile.auto_renew) == (True, False)
    assert (profile.revoke_superseded, profile.allow_management) == (True, True)


def test_load_yaml_keeps_comments_for_round_trips(tmp_path: Path) -> None:
    data = load_yaml(write(tmp_path / "c.yaml", "# why\nkey: NO  # Norway\nn: 010\n"))
    assert data["key"] == "NO"
    assert data["n"] == 10  # YAML 1.2: a leading zero is not octal
    assert "Norway" in str(data.ca.items["key"])


def test_sops_documents_are_decrypted_in_memory(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []

    def fake_decrypt(document: Any, *, source: Path, gnupg_home: Path | None = None) -> Any:
        calls.append(source)
        plain = {k: v for k, v in document.items() if k != "sops"}
        plain["MAIN"]["sectigo_cm_user_secret"] = "decrypted-secret-123"
        return plain

    monkeypatch.setattr(pancert_secrets, "decrypt_in_memory", fake_decrypt)
    encrypted = {
        "MAIN": {"sectigo_cm_user_id": "id", "sectigo_cm_user_secret": "ENC[...]"},
        "sops": {"version": "3.9.0"},
    }
    cfg = make_folder(
        isolated_env,
        config={"sectigo_encrypt_credentials": True, "sectigo_gnu_key": "A" * 40},
        firewalls={},
        profiles={},
        credentials=encrypted,
    )
    loaded = load(cfg)
    assert calls == [isolated_env / "sectigo_credentials.yaml"]
    secret = loaded.credentials["MAIN"].client_secret
    assert secret is not None
    assert secret.get_secret_value() == "decrypted-secret-123"
    assert loaded.problems == []


# --- selection and hashing -------------------------------------------------------------------


def test_select_profiles_by_name_file_name_or_path(isolated_env: Path) -> None:
    cfg = make_folder(isolated_env, profiles={"web": {}, "mail": {"sectigo_csr_domain": "m.x.io"}})
    loaded = load(cfg)
    assert set(loaded.select_profiles(None)) == {"web", "mail"}
    assert set(loaded.select_profiles(["web"])) == {"web"}
    assert set(loaded.select_profiles(["mail.yaml"])) == {"mail"}
    assert set(loaded.select_profiles([str(isolated_env / "web.yaml")])) == {"web"}


@pytest.mark.parametrize("name", ["nope.yaml", "fw_one.yaml", "sectigo_credentials.yaml"])
def test_select_profiles_rejects_what_is_not_a_certificate_profile(
    isolated_env: Path, name: str
) -> None:
    loaded = load(make_folder(isolated_env))
    with pytest.raises(UsageError) as caught:
        loaded.select_profiles([name])
    assert for_error(caught.value) == 2


def test_broken_profiles_are_left_out_and_reported_for_their_selection(isolated_env: Path) -> None:
    cfg = make_folder(isolated_env, profiles={"web": {}, "bad": {"sectigo_csr_key_size": 1}})
    loaded = load(cfg)
    assert set(loaded.select_profiles(None)) == {"web"}
    assert loaded.select_profiles(["bad"]) == {}
    assert [p.field for p in loaded.problems_for(["bad"])] == ["sectigo_csr_key_size"]
    assert loaded.problems_for(["web"]) == []


def test_content_hash_is_stable_and_tracks_content(isolated_env: Path) -> None:
    first = load(make_folder(isolated_env / "a")).profiles["web"]
    reordered = dict(reversed(list(PROFILE.items())))
    second = load(make_folder(isolated_env / "b", profiles={"web": reordered})).profiles["web"]
    changed = load(
        make_folder(isolated_env / "c", profiles={"web": {"sectigo_csr_key_size": 4096}})
    ).profiles["web"]
    assert first.content_hash() == second.content_hash()
    assert first.content_hash() != changed.content_hash()


def test_secret_files_for_a_profile(isolated_env: Path) -> None:
    cfg = make_folder(isolated_env, profiles={"web": {}}, firewalls={"fw_one": {}, "fw_two": {}})
    loaded = load(cfg)
    assert loaded.secret_files_for(["web"]) == [
        isolated_env / "fw_one.yaml",
        isolated_env / "sectigo_credentials.yaml",
    ]
    assert len(loaded.secret_files_for(None)) == 3
