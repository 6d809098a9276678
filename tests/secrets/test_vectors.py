"""Every sops vector in tests/data/sops decrypts to its expected plaintext (gpg and age),
and every negative vector fails with the expected kind of error."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from pancert import redaction
from pancert.commands._exits import for_error
from pancert.secrets import (
    MacMismatchError,
    MalformedValueError,
    NoDataKeyError,
    NotEncryptedError,
    SecretsFileError,
    UnsupportedFileError,
    ValueDecryptError,
    decrypt_in_memory,
    decrypt_text,
)
from tests.secrets.conftest import EXPECTED, VECTORS

PGP_VECTORS = [
    "upstream/example.yaml",
    "upstream/example.json",
    "upstream/example.txt",
    "upstream/ft_comments.enc.yaml",
    "upstream/ft_format.enc.yaml",
    "upstream/ft_format.enc.json",
    "upstream/ft_multiple_keys.yaml",
    "upstream/ft_comments_unencrypted_comments.yaml",
    "upstream/examples_all_in_one_secret.enc.json",
    "upstream/examples_per_file_static_github.json",
    "generated/fw.encrypted_regex.enc.yaml",
    "generated/fw.default.enc.yaml",
    "generated/fw.mac_only_encrypted.enc.yaml",
    "generated/multidoc.enc.yaml",
    "generated/types.enc.json",
    "generated/edge.enc.yaml",
    "generated/comments_in_list.enc.yaml",
    "generated/inline_comment.enc.yaml",
]
AGE_VECTORS = ["age/age_example.enc.yaml", "age/python_prototype_age.enc.yaml"]


def _expected(relative: str) -> Path:
    prefix = "generated_" if relative.startswith("generated/") else ""
    return EXPECTED / f"{prefix}{Path(relative).name}.dec"


def _plain(value: Any) -> Any:
    """Container-type- and precision-neutral form for comparing two parses."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat()
    return str(value)


def _yaml_docs(text: str) -> list[Any]:
    return [_without_yaml11_only(_plain(doc)) for doc in YAML().load_all(text)]


def _without_yaml11_only(doc: Any) -> Any:
    """edge.yaml's ``t3`` is a string to sops (go-yaml) but a timestamp to ruamel when sops
    prints it unquoted; pancert keeps it a string, which is checked on its own."""
    if isinstance(doc, dict) and doc.get("t3") in (
        "2001-12-14 21:59:43.10 -5",
        "2001-12-14T21:59:43-05:00",
    ):
        doc["t3"] = "spaced timestamp"
    return doc


def _comments(text: str) -> list[str]:
    return [
        line.strip().lstrip("#").strip()
        for line in text.splitlines()
        if line.strip().startswith("#")
    ]


def _check(relative: str, gnupg_home: Path | None) -> None:
    source = VECTORS / relative
    out = decrypt_text(source.read_text(), source=source, gnupg_home=gnupg_home)
    expected = _expected(relative).read_text()
    if source.suffix in (".yaml", ".yml"):
        assert _yaml_docs(out) == _yaml_docs(expected)
        assert _comments(out) == _comments(expected)
        assert "ENC[" not in out
        assert "sops:" not in out
    else:
        # JSON and binary stores come out byte for byte as `sops -d` prints them.
        assert out == expected


@pytest.mark.parametrize("relative", PGP_VECTORS)
def test_pgp_vector_decrypts_to_expected(relative: str, gnupg_home: Path) -> None:
    _check(relative, gnupg_home)


@pytest.mark.parametrize("relative", AGE_VECTORS)
def test_age_vector_decrypts_to_expected(relative: str, age_key: Path) -> None:
    _check(relative, None)


@pytest.mark.parametrize("relative", AGE_VECTORS)
def test_age_identity_from_sops_age_key(relative: str, monkeypatch: pytest.MonkeyPatch) -> None:
    identity = next(
        line
        for line in (VECTORS / "age" / "age_test_key.txt").read_text().splitlines()
        if line.startswith("AGE-SECRET-KEY-")
    )
    monkeypatch.setenv("SOPS_AGE_KEY", identity)
    _check(relative, None)


def test_age_identity_from_default_keys_txt(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    keys = tmp_path / "xdg" / "sops" / "age" / "keys.txt"
    keys.parent.mkdir(parents=True)
    keys.write_text((VECTORS / "age" / "age_test_key.txt").read_text())
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    _check(AGE_VECTORS[0], None)


def test_age_without_identity_names_the_file() -> None:
    source = VECTORS / AGE_VECTORS[0]
    with pytest.raises(NoDataKeyError, match=r"age_example\.enc\.yaml.*no age identity"):
        decrypt_text(source.read_text(), source=source)


@pytest.mark.parametrize(
    "relative",
    [v for v in PGP_VECTORS if v.endswith((".yaml", ".json")) and "multidoc" not in v],
)
def test_in_memory_decryption_matches_expected(relative: str, gnupg_home: Path) -> None:
    source = VECTORS / relative
    text = source.read_text()
    loaded = json.loads(text) if source.suffix == ".json" else YAML().load(text)
    plain = decrypt_in_memory(loaded, source=source, gnupg_home=gnupg_home)
    assert "sops" in loaded  # the caller's document is not modified
    assert "sops" not in plain
    expected_text = _expected(relative).read_text()
    expected = json.loads(expected_text) if source.suffix == ".json" else YAML().load(expected_text)
    assert _without_yaml11_only(_plain(plain)) == _without_yaml11_only(_plain(expected))
    assert type(plain) is type(loaded)


def test_decrypted_secrets_and_data_key_are_registered(gnupg_home: Path) -> None:
    source = VECTORS / "upstream" / "example.yaml"
    decrypt_text(source.read_text(), source=source, gnupg_home=gnupg_home)
    shown = redaction.redact(
        "user c4r1b0u key 8c68886c50b5b72965a3cb99c5172e1d74a8aca27b39ee880b535d6907e59f68"
    )
    assert "c4r1b0u" not in shown
    assert "8c68886c" not in shown


NEGATIVE = [
    ("generated/negative/mac_mismatch_unencrypted_value_changed.yaml", MacMismatchError),
    ("generated/negative/mac_mismatch_key_deleted.yaml", MacMismatchError),
    ("generated/negative/mac_undecryptable_lastmodified_changed.yaml", MacMismatchError),
    ("generated/negative/lastmodified_fractional_mac_over_raw_string.yaml", MacMismatchError),
    ("generated/negative/lastmodified_plus0000_mac_over_raw_string.yaml", MacMismatchError),
    ("generated/negative/value_tag_corrupted.yaml", ValueDecryptError),
    ("generated/negative/version_not_semver.yaml", UnsupportedFileError),
    ("generated/negative/plain_string_at_encrypted_path.yaml", MalformedValueError),
    ("generated/negative/int_at_encrypted_path.yaml", MalformedValueError),
    ("upstream/ft_plainfile.yaml", NotEncryptedError),
    ("upstream/ft_no_mac.yaml", MacMismatchError),
]


@pytest.mark.parametrize(("relative", "error"), NEGATIVE, ids=[n[0] for n in NEGATIVE])
def test_negative_vector_fails(
    relative: str, error: type[SecretsFileError], gnupg_home: Path
) -> None:
    source = VECTORS / relative
    with pytest.raises(error) as caught:
        decrypt_text(source.read_text(), source=source, gnupg_home=gnupg_home)
    assert str(source) in str(caught.value)
    assert for_error(caught.value) == 2


@pytest.mark.parametrize(("relative", "error"), NEGATIVE, ids=[n[0] for n in NEGATIVE])
def test_negative_vector_fails_in_memory(
    relative: str, error: type[SecretsFileError], gnupg_home: Path
) -> None:
    source = VECTORS / relative
    loaded = YAML().load(source.read_text())
    with pytest.raises(error):
        decrypt_in_memory(loaded, source=source, gnupg_home=gnupg_home)


def test_wrong_key_fails_with_no_data_key(empty_gnupg_home: Path) -> None:
    source = VECTORS / "upstream" / "example.yaml"
    with pytest.raises(NoDataKeyError) as caught:
        decrypt_text(source.read_text(), source=source, gnupg_home=empty_gnupg_home)
    message = str(caught.value)
    assert "example.yaml" in message
    assert "FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4" in message


def test_spaced_timestamp_stays_a_string(gnupg_home: Path) -> None:
    source = VECTORS / "generated" / "edge.enc.yaml"
    out = decrypt_text(source.read_text(), source=source, gnupg_home=gnupg_home)
    assert 't3: "2001-12-14 21:59:43.10 -5"\n' in out
    assert "t2: 2024-01-01T12:30:00.123456+02:00\n" in out
