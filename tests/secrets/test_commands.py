"""``pancert encrypt`` / ``decrypt`` / ``edit`` through the real CLI on the sample files."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from pancert.cli import main
from pancert.commands import edit
from pancert.config import load_config
from tests.secrets.conftest import AGE_RECIPIENT, KEY1

SAMPLES = Path(__file__).resolve().parents[2] / "profiles_sample"
SECRET_FILES = ("sectigo_credentials.yaml", "fw_paloalto_config.yaml")


@pytest.fixture
def folder(tmp_path: Path, gnupg_home: Path, age_key: Path) -> Path:
    """The samples with encryption required, a GPG key and an age recipient configured."""
    target = tmp_path / "pancert"
    shutil.copytree(SAMPLES, target)
    config = target / "config.yaml"
    text = config.read_text().replace(
        "sectigo_encrypt_credentials: false", "sectigo_encrypt_credentials: true"
    )
    text += (
        f'sectigo_gnu_key: "{KEY1}"\n'
        f'pancert_age_recipients: "{AGE_RECIPIENT}"\n'
        f'pancert_gnupg_home: "{gnupg_home}"\n'
    )
    config.write_text(text)
    (target / "fw_other.yaml").write_text(
        'paloalto_url: "https://fw2.example.com"\n'
        'paloalto_api_key: "other-firewall-key"\n'
        'paloalto_commit_user: "admin"\n'
    )
    return target


def test_encrypt_profile_then_decrypt_restores_every_byte(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(folder / "config.yaml")
    before = {name: (folder / name).read_bytes() for name in (*SECRET_FILES, "fw_other.yaml")}
    problems = load_config(config).problems_for(["certificate.yaml"])
    assert any("plaintext" in p.message for p in problems)

    assert main(["--config", config, "-a", "encrypt", "-p", "certificate.yaml"]) == 0
    out = capsys.readouterr().out
    assert "sectigo_credentials.yaml: encrypted (SCMDV.sectigo_cm_user_secret)" in out
    for name in SECRET_FILES:
        assert b"ENC[AES256_GCM" in (folder / name).read_bytes()
    # fw_other.yaml is not used by this profile: untouched.
    assert (folder / "fw_other.yaml").read_bytes() == before["fw_other.yaml"]
    loaded = load_config(config)
    assert loaded.problems_for(["certificate.yaml"]) == []
    api_key = loaded.firewalls["fw_paloalto_config"].api_key
    assert api_key is not None
    assert api_key.get_secret_value() == "REPLACE-WITH-THE-FIREWALL-API-KEY"

    assert main(["--config", config, "encrypt", "-p", "certificate"]) == 0
    assert "already encrypted to these recipients" in capsys.readouterr().out

    assert main(["--config", config, "-a", "decrypt", "-p", "certificate.yaml"]) == 0
    for name in SECRET_FILES:
        assert (folder / name).read_bytes() == before[name]


def test_encrypt_all_without_recipients_is_bad_input(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = folder / "config.yaml"
    config.write_text(
        "\n".join(
            line
            for line in config.read_text().splitlines()
            if not line.startswith(("sectigo_gnu_key", "pancert_age_recipients"))
        )
        + "\n"
    )
    assert main(["--config", str(config), "encrypt"]) == 2
    err = capsys.readouterr().err
    assert "sectigo_gnu_key" in err
    assert b"ENC[" not in (folder / "sectigo_credentials.yaml").read_bytes()


def test_encrypt_all_covers_every_firewall(folder: Path) -> None:
    assert main(["--config", str(folder / "config.yaml"), "encrypt"]) == 0
    assert b"ENC[AES256_GCM" in (folder / "fw_other.yaml").read_bytes()


def test_edit_reencrypts_the_change(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = str(folder / "config.yaml")
    assert main(["--config", config, "encrypt"]) == 0
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import os, stat, sys\n"
        "p = sys.argv[1]\n"
        "assert stat.S_IMODE(os.stat(p).st_mode) == 0o600\n"
        "t = open(p).read().replace('other-firewall-key', 'rotated-key')\n"
        "open(p, 'w').write(t)\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    monkeypatch.setattr(edit, "_has_terminal", lambda: True)
    target = folder / "fw_other.yaml"
    assert main(["--config", config, "edit", str(target)]) == 0
    text = target.read_text()
    assert "rotated-key" not in text
    assert "ENC[AES256_GCM" in text
    loaded = load_config(config)
    api_key = loaded.firewalls["fw_other"].api_key
    assert api_key is not None
    assert api_key.get_secret_value() == "rotated-key"


def test_edit_without_change_writes_nothing(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(folder / "config.yaml")
    assert main(["--config", config, "encrypt"]) == 0
    target = folder / "fw_other.yaml"
    before = target.read_bytes()
    monkeypatch.setenv("EDITOR", "true")
    monkeypatch.setattr(edit, "_has_terminal", lambda: True)
    assert main(["--config", config, "edit", str(target)]) == 0
    assert "has not changed" in capsys.readouterr().out
    assert target.read_bytes() == before
