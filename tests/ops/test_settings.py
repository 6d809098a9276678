"""The operations keys of config.yaml: validated like every other key, secrets never echoed."""

from __future__ import annotations

from pathlib import Path

import pytest

from pancert.config import ConfigError, load_config
from pancert.redaction import redact


def write_config(tmp_path: Path, **keys: object) -> Path:
    lines = ["sectigo_scm_url: https://scm.example.org"]
    lines += [f"{key}: {value}" for key, value in keys.items()]
    path = tmp_path / "config.yaml"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(str(path))
    return [str(p) for p in caught.value.problems]


def test_defaults_leave_metrics_to_node_exporters_folder_and_alerts_off(tmp_path: Path) -> None:
    app = load_config(str(write_config(tmp_path))).app
    assert app.metrics_dir is None
    assert app.alert_email_to == ()
    assert app.alert_webhook_url is None
    assert app.alert_window_days == 14


@pytest.mark.parametrize("word", ["off", "false", "No"])
def test_metrics_can_be_turned_off(tmp_path: Path, word: str) -> None:
    assert (
        load_config(str(write_config(tmp_path, pancert_metrics_dir=word))).app.metrics_dir is False
    )


def test_a_relative_metrics_folder_is_relative_to_config_yaml(tmp_path: Path) -> None:
    app = load_config(str(write_config(tmp_path, pancert_metrics_dir="prom"))).app
    assert app.metrics_dir == tmp_path / "prom"


def test_bad_alert_keys_name_file_field_and_what_is_allowed(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        pancert_alert_email_to="ops@example.org, not-an-address",
        pancert_alert_webhook_url="http://hooks.example.org/services/SeCrEtToKeN42",
        pancert_alert_smtp_port=0,
    )
    found = problems(path)
    assert any("pancert_alert_email_to" in p and "not-an-address" in p for p in found)
    assert any("pancert_alert_webhook_url" in p and "https://" in p for p in found)
    assert any("pancert_alert_smtp_port" in p for p in found)
    assert all("SeCrEtToKeN42" not in p for p in found)


def test_mail_needs_a_relay_and_a_user_needs_a_password(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, pancert_alert_email_to="ops@example.org", pancert_alert_smtp_user="u"
    )
    found = problems(path)
    assert any("pancert_alert_smtp_host: required" in p for p in found)
    assert any("pancert_alert_smtp_password" in p and "together" in p for p in found)


def test_alert_secrets_are_redacted_once_loaded(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        pancert_alert_email_to="ops@example.org",
        pancert_alert_smtp_host="smtp.example.org",
        pancert_alert_smtp_user="pancert",
        pancert_alert_smtp_password="Mail-Pa55word-xyz",
        pancert_alert_webhook_url="https://chat.example.org/v1/spaces/A/messages?key=K3y-abcdefgh",
    )
    loaded = load_config(str(path))
    assert "Mail-Pa55word-xyz" not in repr(loaded.app)
    assert redact("login Mail-Pa55word-xyz") == "login ***"
    assert "K3y-abcdefgh" not in redact(
        "POST https://chat.example.org/v1/spaces/A/messages?key=K3y-abcdefgh"
    )
    path.chmod(0o644)
    assert any("alert secret in plaintext" in w for w in load_config(str(path)).warnings)
