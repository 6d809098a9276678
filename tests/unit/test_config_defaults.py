"""Defaults and key aliases, written out from the README's "Configuration" tables (which follow
the Sectigo Palo Alto agent's guide), not read from the models."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from pancert.config.models import AppConfig, FirewallProfile, ScmCredential
from pancert.config.profile import CertificateProfile
from pancert.panos.models import KeyAlgorithm
from tests.unit.config_kit import CONFIG, CREDENTIAL, FIREWALL, FOLDER, PROFILE, problems, valid

PROFILE_SOURCE = {"name": "web", "source": FOLDER / "web.yaml"}


def test_config_yaml_defaults() -> None:
    app = valid(AppConfig, dict(CONFIG), "config.yaml")
    assert app.log_file == "sectigo_pycert.log"
    assert app.log_path == FOLDER  # config.yaml's folder
    assert app.cert_profile_path == FOLDER
    assert app.log_level == "INFO"
    assert app.log_size_mb == 1
    assert app.logger_count == 10
    assert app.sleep_download == 1
    assert app.encrypt_credentials is False
    assert app.gnu_keys == ()
    assert app.state_path == FOLDER  # cert_profile_path
    assert app.max_parallel_firewalls == 10
    assert app.auth_url is None  # derived from the SCM URL elsewhere
    assert app.scm_ca_bundle is None  # system trust
    assert app.collect_timeout == 300
    assert app.commit_timeout == 1800
    assert app.age_recipients == ()
    assert app.gnupg_home is None


def test_the_scm_url_is_the_one_required_key_of_config_yaml() -> None:
    assert problems(AppConfig, {}, "config.yaml") == ["config.yaml: sectigo_scm_url: required"]


def test_certificate_profile_defaults() -> None:
    profile = valid(CertificateProfile, dict(PROFILE), "web.yaml", **PROFILE_SOURCE)
    assert profile.cert_type is None
    assert profile.comments == ""
    assert profile.external_requester is None
    assert profile.sans == ("www.example.com",)  # the CN is always included
    assert (profile.country, profile.state, profile.locality) == (None, None, None)
    assert (profile.organization, profile.organization_unit, profile.email) == (None,) * 3
    assert profile.key_type is KeyAlgorithm.RSA
    assert profile.key_size == 2048
    assert profile.force_renewal is False
    assert profile.expiry_window_days == 30
    assert profile.auto_renew is True
    assert (profile.org_id, profile.term_days) == (None, None)
    assert profile.custom_fields == {}
    assert (profile.num_servers, profile.server_type) == (None, None)
    assert profile.revoke_superseded is False
    assert profile.location == "shared"
    assert profile.bindings == ()
    assert profile.allow_management is False


@pytest.mark.parametrize(
    ("key_type", "size"),
    [
        pytest.param(None, 2048, id="no-type"),
        pytest.param("RSA", 2048, id="rsa"),
        pytest.param("rsa", 2048, id="rsa-lower"),
        pytest.param("EC", 256, id="ec"),
        pytest.param("ecdsa", 256, id="ecdsa"),
    ],
)
def test_the_key_size_defaults_by_type(key_type: str | None, size: int) -> None:
    raw = {**PROFILE, "sectigo_csr_key_size": ""}
    if key_type is not None:
        raw["sectigo_csr_key_type"] = key_type
    assert valid(CertificateProfile, raw, "web.yaml", **PROFILE_SOURCE).key_size == size


def test_required_profile_keys() -> None:
    assert problems(CertificateProfile, {}, "web.yaml", **PROFILE_SOURCE) == [
        "web.yaml: paloalto_fw_profile: required",
        "web.yaml: scm_credential_detail: required",
        "web.yaml: sectigo_csr_domain: required",
    ]
    empty = {**PROFILE, "paloalto_fw_profile": " , ", "scm_credential_detail": " "}
    assert problems(CertificateProfile, empty, "web.yaml", **PROFILE_SOURCE) == [
        "web.yaml: paloalto_fw_profile: empty (allowed: at least 1 entry)",
        "web.yaml: scm_credential_detail: empty (allowed: at least 1 character)",
    ]


def test_firewall_profile_defaults() -> None:
    firewall = valid(
        FirewallProfile, dict(FIREWALL), "fw_one.yaml", name="fw_one", source=FOLDER / "fw.yaml"
    )
    assert firewall.commit_description == "pancert"
    assert firewall.commit_user is None
    assert firewall.ca_bundle is None  # system trust
    assert firewall.tls_fingerprint is None
    assert firewall.tls_insecure is False  # TLS verification is on
    assert firewall.ha_sync_timeout == 300
    assert (firewall.panorama, firewall.serial, firewall.device) == (None, None, None)
    assert firewall.mode == "device"
    assert firewall.template is None
    assert firewall.address == "https://fw.example.com"


def test_credential_defaults() -> None:
    found = valid(
        ScmCredential, dict(CREDENTIAL), "sectigo_credentials.yaml", label="M", source=FOLDER
    )
    assert (found.org_id, found.cert_type_map, found.dcv_mode, found.dcv_email) == (
        None,
        {},
        None,
        None,
    )
    assert (found.login, found.password, found.customer_uri) == (None, None, None)


@pytest.mark.parametrize(
    ("key", "value", "field", "expected"),
    [
        pytest.param("Sectigo_Logger_Count", 3, "logger_count", 3, id="any-case"),
        pytest.param("sectigo_log_count", 4, "logger_count", 4, id="log-count"),
        pytest.param("sectigo_logger_size_mb", 2, "log_size_mb", 2, id="logger-size"),
        pytest.param("SECTIGO_LOG_SIZE_MB", 3, "log_size_mb", 3, id="log-size-upper"),
        pytest.param("sectigo_log_file", "a.log", "log_file", "a.log", id="log-file"),
        pytest.param("sectigo_sleep_download", 2, "sleep_download", 2, id="sleep"),
        pytest.param("paloalto_commit_timeout", 60, "commit_timeout", 60, id="commit"),
        pytest.param("sectigo_collect_timeout", 60, "collect_timeout", 60, id="collect"),
    ],
)
def test_config_yaml_keys(key: str, value: Any, field: str, expected: Any) -> None:
    assert getattr(valid(AppConfig, {**CONFIG, key: value}, "config.yaml"), field) == expected


def test_windows_separators_in_config_paths() -> None:
    app = valid(
        AppConfig,
        {**CONFIG, "cert_profile_path": "certs\\\\fw", "sectigo_log_path": "C:\\logs"},
        "config.yaml",
    )
    assert app.cert_profile_path == FOLDER / "certs" / "fw"
    assert app.state_path == FOLDER / "certs" / "fw"
    assert app.log_path == FOLDER / "C:\\logs"  # a drive letter is left for Windows to read


# The journal stores each profile's content hash; "force renewal" fires once per distinct
# hash, so a hash that changed between versions would renew every forced profile again.
# This value was computed from the profile below when the formula was pinned.
PINNED = {**PROFILE, "sectigo_force_renewal": "yes", "sectigo_ssl_cert_subject_alt_names": "a.b.c"}
PINNED_HASH = "610082bf280f4155b82340077445498e2c13653b2603f538f65b33032d625739"


def test_the_content_hash_is_stable_across_versions_and_places() -> None:
    here = valid(CertificateProfile, dict(PINNED), "web.yaml", **PROFILE_SOURCE)
    moved = valid(
        CertificateProfile,
        dict(reversed(list(PINNED.items()))),
        "web.yaml",
        name="web",
        source=Path("/elsewhere/web.yaml"),
    )
    assert here.content_hash() == moved.content_hash() == PINNED_HASH


def test_the_content_hash_follows_the_content() -> None:
    base = valid(CertificateProfile, dict(PROFILE), "web.yaml", **PROFILE_SOURCE)
    window = valid(
        CertificateProfile,
        {**PROFILE, "sectigo_expiry_window": 31},
        "web.yaml",
        **PROFILE_SOURCE,
    )
    assert base.content_hash() != window.content_hash()
    digest = base.content_hash()
    assert len(digest) == 64
    assert digest == digest.lower()
    int(digest, 16)
    assert digest != hashlib.sha256(b"").hexdigest()
