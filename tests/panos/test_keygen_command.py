"""``pancert keygen fw_NAME.yaml`` against a sandbox firewall: the password comes from
getpass, the key lands in the profile with comments and permissions kept."""

from __future__ import annotations

import getpass
import shutil
import stat
from pathlib import Path

import pytest
from pyrage import x25519

from pancert.cli import main
from tests.panos.conftest import Sandbox

SAMPLES = Path(__file__).resolve().parents[2] / "profiles_sample"
PLACEHOLDER = "REPLACE-WITH-THE-FIREWALL-API-KEY"


def _folder(tmp: Path, sandbox: Sandbox, *, encrypt: bool = False) -> Path:
    for path in SAMPLES.iterdir():
        shutil.copy(path, tmp / path.name)
    profile = tmp / "fw_paloalto_config.yaml"
    text = profile.read_text().replace("https://fw.example.com", sandbox.url())
    text += f'paloalto_ca_bundle: "{sandbox.ca_bundle}"\n'
    profile.write_text(text)
    profile.chmod(0o640)
    if encrypt:
        config = tmp / "config.yaml"
        recipient = x25519.Identity.generate().to_public()
        config.write_text(
            config.read_text().replace(
                "sectigo_encrypt_credentials: false", "sectigo_encrypt_credentials: true"
            )
            + f'pancert_age_recipients: "{recipient}"\n'
        )
    return profile


def _answers(monkeypatch: pytest.MonkeyPatch, password: str) -> list[str]:
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return password

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    monkeypatch.setattr("builtins.input", lambda prompt="": "admin")
    return prompts


def test_keygen_stores_the_key_keeping_comments_and_mode(
    sandbox: Sandbox, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = _folder(isolated_env, sandbox)
    prompts = _answers(monkeypatch, sandbox.firewall.password)
    assert main(["keygen", "fw_paloalto_config.yaml"]) == 0
    text = profile.read_text()
    assert f'paloalto_api_key: "{sandbox.firewall.api_key}"' in text
    assert PLACEHOLDER not in text
    assert text.startswith("# A firewall profile: how pancert reaches one firewall's XML API.")
    assert "# Only this administrator's changes are committed" in text
    assert stat.S_IMODE(profile.stat().st_mode) == 0o640
    assert prompts == ["password for admin: "]
    assert not list(isolated_env.glob(".fw_paloalto_config.yaml.*"))


def test_wrong_password_leaves_the_profile_untouched(
    sandbox: Sandbox,
    isolated_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    profile = _folder(isolated_env, sandbox)
    before = profile.read_bytes()
    _answers(monkeypatch, "not-the-password")
    assert main(["keygen", str(profile), "--user", "admin"]) == 1
    assert profile.read_bytes() == before
    err = capsys.readouterr().err
    assert "Invalid Credential" in err
    assert "not-the-password" not in err


def test_keygen_encrypts_when_encryption_is_on(
    sandbox: Sandbox, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = _folder(isolated_env, sandbox, encrypt=True)
    _answers(monkeypatch, sandbox.firewall.password)
    assert main(["keygen", "fw_paloalto_config.yaml", "--user", "admin"]) == 0
    text = profile.read_text()
    assert sandbox.firewall.api_key not in text
    assert "sops:" in text
    assert "ENC[AES256_GCM," in text


def test_an_unknown_profile_is_a_usage_error(isolated_env: Path) -> None:
    assert main(["keygen", "fw_nothing.yaml", "--user", "admin"]) == 2
