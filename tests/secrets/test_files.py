"""In-place encryption and decryption: byte-for-byte round trips, no-op and re-key, modes,
atomicity, and clear errors for unattended GPG use."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pancert.fileio import atomic_write
from pancert.secrets import (
    PASSPHRASE_HINT,
    AlreadyEncryptedError,
    DecryptStatus,
    EncryptStatus,
    GpgUnavailableError,
    NoDataKeyError,
    UnsupportedFileError,
    decrypt_file,
    encrypt_file,
    encrypt_text,
)
from pancert.secrets._tree import Rule
from tests.secrets.conftest import AGE_RECIPIENT, KEY1, KEY2, VECTORS, kill_agent

SAMPLES = Path(__file__).resolve().parents[2] / "profiles_sample"
GUIDE_CREDENTIALS = """\
SCMDV:
    sectigo_cm_user_id      : "b8923830-11f5-4c34-951b-fc1235634972"
    sectigo_cm_user_secret  : "Ti]hXzuxj.!T,zg!S0rZ0StbwyDlhCP4"
"""
GUIDE_FIREWALL = """\
paloalto_url : ""
paloalto_api_key : "gJlQWE56987nBxIqyfa62sZeRtYuIo2BgzEA9UOnlZBhU=="
paloalto_commit_description : "Sectigo Palo Alto commit"
paloalto_commit_user : "admin"
"""


def _samples() -> list[tuple[str, str]]:
    found = [("guide_credentials.yaml", GUIDE_CREDENTIALS), ("fw_guide.yaml", GUIDE_FIREWALL)]
    found += [(p.name, p.read_text()) for p in sorted(SAMPLES.glob("*.yaml"))]
    return found


@pytest.mark.parametrize(("name", "text"), _samples(), ids=[s[0] for s in _samples()])
def test_encrypt_then_decrypt_restores_bytes(
    name: str, text: str, tmp_path: Path, gnupg_home: Path, age_key: Path
) -> None:
    path = tmp_path / name
    path.write_text(text)
    outcome = encrypt_file(
        path, pgp_fingerprints=[KEY1], age_recipients=[AGE_RECIPIENT], gnupg_home=gnupg_home
    )
    encrypted = path.read_text()
    enc_lines = [line for line in encrypted.splitlines() if "ENC[AES256_GCM" in line]
    assert len(enc_lines) == len(outcome.encrypted_fields) + 1  # + sops.mac
    for field in outcome.encrypted_fields:
        assert any(field.rsplit(".", 1)[-1] in line for line in enc_lines)
    # Every line that holds no secret is untouched, in order.
    secrets = {line for line in text.splitlines() if "_secret" in line or "_api_key" in line}
    kept = [line for line in text.splitlines() if line not in secrets]
    body = encrypted.split("\nsops:\n")[0].splitlines()
    assert [line for line in body if line in kept] == kept
    assert decrypt_file(path, gnupg_home=gnupg_home).status is DecryptStatus.DECRYPTED
    assert path.read_text() == text


def test_only_secret_fields_are_encrypted(tmp_path: Path, gnupg_home: Path) -> None:
    path = tmp_path / "fw_guide.yaml"
    path.write_text(GUIDE_FIREWALL)
    outcome = encrypt_file(path, pgp_fingerprints=[KEY1], age_recipients=[], gnupg_home=gnupg_home)
    assert outcome.status is EncryptStatus.ENCRYPTED
    assert outcome.encrypted_fields == ("paloalto_api_key",)
    lines = path.read_text().splitlines()
    assert lines[0] == 'paloalto_url : ""'
    assert lines[1].startswith("paloalto_api_key : ENC[AES256_GCM,data:")
    assert lines[2:4] == GUIDE_FIREWALL.splitlines()[2:4]
    assert "mac_only_encrypted" not in path.read_text()
    assert "encrypted_regex: ^(sectigo_cm_user_secret|paloalto_api_key|sectigo_cm_password" in (
        path.read_text()
    )
    assert "|acme_eab_hmac_key|acme_tsig_secret|acme_account_key)$" in path.read_text()


def test_same_recipients_is_a_no_op_and_others_rekey(tmp_path: Path, gnupg_home: Path) -> None:
    path = tmp_path / "creds.yaml"
    path.write_text(GUIDE_CREDENTIALS)
    encrypt_file(path, pgp_fingerprints=[KEY1], age_recipients=[], gnupg_home=gnupg_home)
    first = path.read_bytes()
    again = encrypt_file(path, pgp_fingerprints=[KEY1], age_recipients=[], gnupg_home=gnupg_home)
    assert again.status is EncryptStatus.UNCHANGED
    assert path.read_bytes() == first
    rekeyed = encrypt_file(
        path, pgp_fingerprints=[KEY1, KEY2], age_recipients=[], gnupg_home=gnupg_home
    )
    assert rekeyed.status is EncryptStatus.REKEYED
    second = path.read_text()
    assert KEY2 in second
    old_value = next(line for line in first.decode().splitlines() if "user_secret" in line)
    assert old_value not in second  # a new data key re-encrypts every value
    decrypt_file(path, gnupg_home=gnupg_home)
    assert path.read_text() == GUIDE_CREDENTIALS


def test_mode_is_kept_and_no_temporary_file_remains(tmp_path: Path, age_key: Path) -> None:
    path = tmp_path / "creds.yaml"
    path.write_text(GUIDE_CREDENTIALS)
    path.chmod(0o640)
    encrypt_file(path, pgp_fingerprints=[], age_recipients=[AGE_RECIPIENT], gnupg_home=None)
    assert path.stat().st_mode & 0o777 == 0o640
    decrypt_file(path, gnupg_home=None)
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["creds.yaml", "xdg"] or sorted(
        p.name for p in tmp_path.iterdir()
    ) == ["creds.yaml"]


def test_failed_encryption_leaves_the_file_untouched(tmp_path: Path, gnupg_home: Path) -> None:
    path = tmp_path / "creds.yaml"
    path.write_text(GUIDE_CREDENTIALS)
    with pytest.raises(NoDataKeyError) as caught:
        encrypt_file(
            path, pgp_fingerprints=["0" * 40], age_recipients=[AGE_RECIPIENT], gnupg_home=gnupg_home
        )
    assert "creds.yaml" in str(caught.value)
    assert path.read_text() == GUIDE_CREDENTIALS
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_missing_gpg_is_named(
    tmp_path: Path, gnupg_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOPS_GPG_EXEC", str(tmp_path / "no-such-gpg"))
    path = tmp_path / "creds.yaml"
    path.write_text(GUIDE_CREDENTIALS)
    with pytest.raises(GpgUnavailableError, match="GnuPG"):
        encrypt_file(path, pgp_fingerprints=[KEY1], age_recipients=[], gnupg_home=gnupg_home)
    assert path.read_text() == GUIDE_CREDENTIALS


@pytest.fixture
def passphrase_home(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A key protected by a passphrase, with the agent's cache emptied (a fresh boot)."""
    home = tmp_path / "pp-gnupg"
    home.mkdir(mode=0o700)
    gpg = ["gpg", "--homedir", str(home), "--batch", "--pinentry-mode", "loopback"]
    subprocess.run(
        [
            *gpg,
            "--passphrase",
            "correct horse",
            "--quick-gen-key",
            "pp@example.invalid",
            "ed25519",
            "default",
            "never",
        ],
        capture_output=True,
        check=True,
    )
    subprocess.run(
        [
            *gpg,
            "--passphrase",
            "correct horse",
            "--quick-add-key",
            _fingerprint(home),
            "cv25519",
            "encr",
            "never",
        ],
        capture_output=True,
        check=True,
    )
    kill_agent(home)
    yield home, _fingerprint(home)
    kill_agent(home)


def _fingerprint(home: Path) -> str:
    out = subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--with-colons", "--list-secret-keys"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return next(line.split(":")[9] for line in out.splitlines() if line.startswith("fpr:"))


def test_passphrase_protected_key_fails_with_the_unattended_hint(
    tmp_path: Path, passphrase_home: tuple[Path, str]
) -> None:
    home, fingerprint = passphrase_home
    path = tmp_path / "creds.yaml"
    path.write_text(GUIDE_CREDENTIALS)
    encrypt_file(path, pgp_fingerprints=[fingerprint], age_recipients=[], gnupg_home=home)
    with pytest.raises(NoDataKeyError) as caught:
        decrypt_file(path, gnupg_home=home)
    assert caught.value.hint == PASSPHRASE_HINT
    assert "unattended runs need a key without passphrase or a preset gpg-agent" in (
        caught.value.hint or ""
    )


def test_decrypting_a_plaintext_file_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "creds.yaml"
    path.write_text(GUIDE_CREDENTIALS)
    assert decrypt_file(path, gnupg_home=None).status is DecryptStatus.UNCHANGED
    assert path.read_text() == GUIDE_CREDENTIALS


def test_new_files_get_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "new.yaml"
    atomic_write(path, "a: 1\n")
    assert path.stat().st_mode & 0o777 == 0o600
    assert os.path.getsize(path) == 5


def test_encrypting_twice_in_text_is_refused(tmp_path: Path, age_key: Path) -> None:
    source = tmp_path / "creds.yaml"
    encrypted, _ = encrypt_text(
        GUIDE_CREDENTIALS,
        source=source,
        pgp_fingerprints=[],
        age_recipients=[AGE_RECIPIENT],
        gnupg_home=None,
        rule=Rule("encrypted_regex", "secret"),
    )
    with pytest.raises(AlreadyEncryptedError, match=r"creds\.yaml"):
        encrypt_text(
            encrypted,
            source=source,
            pgp_fingerprints=[],
            age_recipients=[AGE_RECIPIENT],
            gnupg_home=None,
            rule=Rule("encrypted_regex", "secret"),
        )


def test_comments_inside_an_encrypted_subtree_are_refused(tmp_path: Path) -> None:
    source = tmp_path / "creds.yaml"
    with pytest.raises(UnsupportedFileError, match="data"):
        encrypt_text(
            "data:\n  # private\n  a: 1\nother: 2  # fine\n",
            source=source,
            pgp_fingerprints=[],
            age_recipients=[AGE_RECIPIENT],
            gnupg_home=None,
            rule=Rule("encrypted_regex", "^data$"),
        )


def test_multi_document_yaml_round_trips(tmp_path: Path, age_key: Path) -> None:
    text = (VECTORS / "generated" / "plain" / "multidoc.yaml").read_text()
    path = tmp_path / "multi.yaml"
    path.write_text(text)
    encrypt_file(
        path,
        pgp_fingerprints=[],
        age_recipients=[AGE_RECIPIENT],
        gnupg_home=None,
        encrypted_regex=".",
    )
    assert path.read_text().count("\nsops:") == 2
    decrypt_file(path, gnupg_home=None)
    assert path.read_text() == text.replace("b: two", 'b: "two"')  # no cleartext string to copy
