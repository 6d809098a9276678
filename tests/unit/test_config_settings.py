"""config.yaml (``config/models.py``'s ``AppConfig``): each rule's boundary
and its one line, word for word, and how accepted values are normalised (README,
"Configuration")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pancert.config.models import AppConfig
from tests.unit.config_kit import CONFIG, FOLDER, problems, valid

C = "config.yaml"
URL_HELP = "https://HOST[:PORT][/PATH]"
AGE = "age1" + "q" * 58


def config_lines(overrides: dict[str, Any]) -> list[str]:
    return problems(AppConfig, {**CONFIG, **overrides}, C)


def https_lines(key: str, value: str, why: str) -> tuple[dict[str, Any], list[str]]:
    return {key: value}, [f"{C}: {key}: {value!r} {why} (allowed: {URL_HELP})"]


PLAIN = "must be a plain host URL, no user, query or fragment"


@pytest.mark.parametrize(
    ("overrides", "lines"),
    [
        pytest.param(
            *https_lines(
                "sectigo_scm_url",
                "http://scm.example.com",
                "must use https (TLS is never optional here)",
            ),
            id="http",
        ),
        pytest.param(
            *https_lines("sectigo_scm_url", "https://u:p@scm.example.com", PLAIN), id="user"
        ),
        pytest.param(*https_lines("sectigo_scm_url", "https://:p@scm.example.com", PLAIN), id="pw"),
        pytest.param(
            *https_lines("sectigo_scm_url", "https://u@scm.example.com", PLAIN), id="name"
        ),
        pytest.param(
            *https_lines("sectigo_scm_url", "https://scm.example.com/?a=1", PLAIN), id="query"
        ),
        pytest.param(
            *https_lines("sectigo_scm_url", "https://scm.example.com/#x", PLAIN), id="fragment"
        ),
        pytest.param(*https_lines("sectigo_scm_url", "https://", PLAIN), id="no-host"),
        pytest.param(
            *https_lines("sectigo_scm_url", "https://scm.example.com:99999", "is not a valid URL"),
            id="port",
        ),
        pytest.param(
            *https_lines("sectigo_scm_url", "https://[::1", "is not a valid URL"), id="ipv6"
        ),
        pytest.param(
            *https_lines(
                "sectigo_auth_url",
                "http://auth.example.com",
                "must use https (TLS is never optional here)",
            ),
            id="auth-http",
        ),
        pytest.param({"sectigo_scm_url": 5}, [f"{C}: sectigo_scm_url: not text"], id="url-number"),
        pytest.param(
            # `sectigo_scm_url:` with nothing after it: empty, not "not text"
            {"sectigo_scm_url": None},
            [f"{C}: sectigo_scm_url: empty (allowed: text)"],
            id="url-no-value",
        ),
        pytest.param(
            {"sectigo_scm_url": ""},
            [
                f"{C}: sectigo_scm_url: '' must use https (TLS is never optional here) "
                f"(allowed: {URL_HELP})"
            ],
            id="url-empty",
        ),
        pytest.param(
            {"sectigo_log_level": "TRACE"},
            [f"{C}: sectigo_log_level: not an allowed value (allowed: 'INFO' or 'DEBUG')"],
            id="level",
        ),
        pytest.param(
            {"sectigo_log_file": "logs/pancert.log"},
            [
                f"{C}: sectigo_log_file: 'logs/pancert.log' is a path, not a file name "
                "(allowed: a file name such as pancert.log; the folder is sectigo_log_path)"
            ],
            id="log-file-path",
        ),
        *(
            pytest.param(
                {"sectigo_log_file": name},
                [
                    f"{C}: sectigo_log_file: {name!r} is a path, not a file name (allowed: a "
                    "file name such as pancert.log; the folder is sectigo_log_path)"
                ],
                id=f"log-file-{name}",
            )
            for name in ("logs\\pancert.log", ".", "..", ".pancert.log")
        ),
        pytest.param(
            {"sectigo_gnu_key": "B" * 40 + ", not-a-key"},
            [
                f"{C}: sectigo_gnu_key: 'NOT-A-KEY' is not a GnuPG key fingerprint "
                "(allowed: 40 (or 64) hexadecimal characters, one or a list)"
            ],
            id="gnu-key",
        ),
        pytest.param(
            {"sectigo_gnu_key": "A" * 39},
            [
                f"{C}: sectigo_gnu_key: '{'A' * 39}' is not a GnuPG key fingerprint "
                "(allowed: 40 (or 64) hexadecimal characters, one or a list)"
            ],
            id="gnu-key-39",
        ),
        pytest.param(
            {"pancert_age_recipients": [AGE, AGE[:-1]]},
            [
                f"{C}: pancert_age_recipients: {AGE[:-1]!r} is not an age recipient "
                "(allowed: age1… (age-keygen -y))"
            ],
            id="age-short",
        ),
        pytest.param(
            {"pancert_age_recipients": AGE.upper()},
            [
                f"{C}: pancert_age_recipients: {AGE.upper()!r} is not an age recipient "
                "(allowed: age1… (age-keygen -y))"
            ],
            id="age-upper",
        ),
        pytest.param(
            {"sectigo_log_size_mb": 0, "sectigo_logger_count": 0},
            [
                f"{C}: sectigo_log_size_mb: input should be greater than 0",
                f"{C}: sectigo_logger_count: input should be greater than or equal to 1",
            ],
            id="log-sizes-0",
        ),
        pytest.param(
            {"sectigo_sleep_download": -1, "sectigo_collect_timeout": -1},
            [
                f"{C}: sectigo_sleep_download: input should be greater than or equal to 0",
                f"{C}: sectigo_collect_timeout: input should be greater than or equal to 0",
            ],
            id="waits-negative",
        ),
        pytest.param(
            {"paloalto_commit_timeout": 0},
            [f"{C}: paloalto_commit_timeout: input should be greater than 0"],
            id="commit-timeout-0",
        ),
        pytest.param(
            {"pancert_max_parallel_firewalls": 0},
            [f"{C}: pancert_max_parallel_firewalls: input should be greater than or equal to 1"],
            id="parallel-0",
        ),
        pytest.param(
            {"pancert_max_parallel_firewalls": "257"},
            [f"{C}: pancert_max_parallel_firewalls: input should be less than or equal to 256"],
            id="parallel-257",
        ),
    ],
)
def test_config_yaml_rules(overrides: dict[str, Any], lines: list[str]) -> None:
    assert config_lines(overrides) == lines


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        pytest.param(
            {"sectigo_scm_url": " https://scm.example.com/api/ssl/v1/ "},
            "scm_url",
            "https://scm.example.com/api/ssl/v1/",
            id="url-stripped",
        ),
        pytest.param({"sectigo_auth_url": " "}, "auth_url", None, id="auth-blank"),
        pytest.param(
            {"sectigo_auth_url": " https://auth.example.com/token "},
            "auth_url",
            "https://auth.example.com/token",
            id="auth",
        ),
        pytest.param({"sectigo_log_level": " debug "}, "log_level", "DEBUG", id="level"),
        pytest.param({"sectigo_log_file": " pancert.log "}, "log_file", "pancert.log", id="file"),
        pytest.param({"sectigo_log_size_mb": 0.001}, "log_size_mb", 0.001, id="size-small"),
        pytest.param({"sectigo_logger_size_mb": 5}, "log_size_mb", 5.0, id="size-alias"),
        pytest.param({"sectigo_log_count": "1"}, "logger_count", 1, id="count-alias-1"),
        pytest.param({"sectigo_sleep_download": 0}, "sleep_download", 0.0, id="sleep-0"),
        pytest.param({"sectigo_collect_timeout": 0}, "collect_timeout", 0.0, id="collect-0"),
        pytest.param({"pancert_max_parallel_firewalls": 1}, "max_parallel_firewalls", 1, id="p1"),
        pytest.param(
            {"pancert_max_parallel_firewalls": 256}, "max_parallel_firewalls", 256, id="p256"
        ),
        pytest.param({"sectigo_encrypt_credentials": "On"}, "encrypt_credentials", True, id="on"),
        pytest.param(
            {"sectigo_gnu_key": ["abcd ef01 2345 6789", "c" * 40, "D" * 64]},
            "gnu_keys",
            ("ABCDEF0123456789", "C" * 40, "D" * 64),
            id="gnu-keys",
        ),
        pytest.param(
            {"pancert_age_recipients": f"{AGE}, {AGE[:-1]}x"},
            "age_recipients",
            (AGE, AGE[:-1] + "x"),
            id="age",
        ),
        pytest.param({"sectigo_ca_bundle": ""}, "scm_ca_bundle", None, id="ca-empty"),
        pytest.param({"sectigo_ca_bundle": "ca.pem"}, "scm_ca_bundle", FOLDER / "ca.pem", id="ca"),
        pytest.param(
            {"pancert_gnupg_home": "~/.gnupg"}, "gnupg_home", Path.home() / ".gnupg", id="gnupg"
        ),
        pytest.param({"sectigo_log_path": ""}, "log_path", FOLDER, id="log-path-empty"),
        pytest.param({"sectigo_log_path": "logs"}, "log_path", FOLDER / "logs", id="log-path"),
        pytest.param(
            {"cert_profile_path": "certs"}, "state_path", FOLDER / "certs", id="state-follows"
        ),
        pytest.param(
            {"cert_profile_path": "certs", "pancert_state_path": "/var/lib/pancert"},
            "state_path",
            Path("/var/lib/pancert"),
            id="state-own",
        ),
    ],
)
def test_config_yaml_values(overrides: dict[str, Any], field: str, expected: Any) -> None:
    found = getattr(valid(AppConfig, {**CONFIG, **overrides}, C), field)
    assert found == expected
    assert type(found) is type(expected)


def test_without_a_folder_paths_default_to_the_working_folder() -> None:
    app = AppConfig.model_validate({"sectigo_scm_url": "https://scm.example.com"})
    assert (app.log_path, app.cert_profile_path, app.state_path) == (Path.cwd(),) * 3
    logs = valid(AppConfig, {**CONFIG, "sectigo_log_path": "/var/log/pancert"}, C)
    assert logs.log_file_path == Path("/var/log/pancert/sectigo_pycert.log")
