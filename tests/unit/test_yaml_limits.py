"""The YAML reader's limits and its errors: never a value from the file, always the line."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from pancert.config.models import FirewallProfile, ScmCredential
from pancert.config.yamlio import MAX_BYTES, SECRET_KEYS, read_document
from pancert.errors import ConfigError
from pancert.redaction import redact


def _error(tmp_path: Path, content: bytes | str) -> str:
    path = tmp_path / "p.yaml"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(ConfigError) as caught:
        read_document(path)
    return str(caught.value)


def test_every_secret_field_is_masked_before_parsing() -> None:
    """SECRET_KEYS must name every secret field of every model."""
    aliases = {
        str(info.alias)
        for model in (FirewallProfile, ScmCredential)
        for info in model.model_fields.values()
        if "SecretStr" in str(info.annotation) or info.annotation is SecretStr
    }
    assert aliases == set(SECRET_KEYS)


def test_a_duplicate_key_names_both_lines_and_neither_value(tmp_path: Path) -> None:
    message = _error(tmp_path, "x:\n  key: first-value-1\n  key: second-value-2\n")
    assert "line 3" in message
    assert "line 2" in message
    assert "first-value" not in message
    assert "second-value" not in message


def test_secret_values_are_registered_even_when_parsing_fails(tmp_path: Path) -> None:
    _error(tmp_path, "paloalto_api_key: 'quoted-key-123456' # note\npaloalto_api_key: [\n")
    assert redact("quoted-key-123456") == "***"


@pytest.mark.parametrize(("levels", "why"), [(9, "more than 64 aliases"), (6, "expands to")])
def test_an_alias_bomb_is_refused_quickly(tmp_path: Path, levels: int, why: str) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    message = _error(tmp_path, "\n".join(lines) + "\n")
    assert why in message
    assert len(message) < 500


def test_depth_size_and_encoding(tmp_path: Path) -> None:
    assert "nested too deeply" in _error(tmp_path, "a: " + "[" * 100 + "]" * 100)
    assert "larger than" in _error(tmp_path, "a: " + "x" * (MAX_BYTES + 1))
    message = _error(tmp_path, "a: 1\nb: caf\xe9\n".encode("latin-1"))
    assert "not UTF-8: byte 0xe9 at line 2, column 7" in message


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").mkdir()
    with pytest.raises(ConfigError, match="is a folder"):
        read_document(tmp_path / "d.yaml")
