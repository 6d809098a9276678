"""The value layer: ENC[] codec, plaintext encodings (§3) and the MAC (§5) against datakeys.tsv."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from pathlib import Path

import pytest

from pancert.secrets import _tree, _values, _yamltext
from pancert.secrets._errors import MacMismatchError, MalformedValueError, UnsupportedFileError
from pancert.secrets._files import _load_json
from pancert.secrets._metadata import go_rfc3339, parse_metadata
from tests.secrets.conftest import EXPECTED, VECTORS


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3.0, "3"),
        (1e21, "1000000000000000000000"),
        (1e-7, "0.0000001"),
        (0.1, "0.1"),
        (1234567.5, "1234567.5"),
        (-0.0, "-0"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
        (math.nan, "NaN"),
    ],
)
def test_go_float_format(value: float, text: str) -> None:
    assert _values.go_float(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.date(2024, 1, 1), "2024-01-01T00:00:00Z"),
        (dt.datetime(2024, 1, 1, 12, 30, tzinfo=dt.UTC), "2024-01-01T12:30:00Z"),
        (
            dt.datetime(2024, 1, 1, 12, 30, 0, 123400, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "2024-01-01T12:30:00.1234+02:00",
        ),
        (
            dt.datetime(2024, 1, 1, 0, 0, 0, tzinfo=dt.timezone(-dt.timedelta(hours=5))),
            "2024-01-01T00:00:00-05:00",
        ),
    ],
)
def test_rfc3339nano(value: dt.date, text: str) -> None:
    assert _values.rfc3339nano(value) == text


@pytest.mark.parametrize(
    ("value", "type_", "data"),
    [
        (True, "bool", b"True"),
        (False, "bool", b"False"),
        (42, "int", b"42"),
        (-7, "int", b"-7"),
        (0.5, "float", b"0.5"),
        ("héllo", "str", "héllo".encode()),
    ],
)
def test_value_round_trip(value: object, type_: str, data: bytes) -> None:
    key = bytes(range(32))
    plain = _values.encode_plain(value)
    assert (plain.type, plain.data) == (type_, data)
    enc = _values.encrypt_value(plain, key, b"a:b:")
    assert enc.startswith("ENC[AES256_GCM,data:")
    assert enc.endswith(f",type:{type_}]")
    back = _values.decrypt_value(enc, key, b"a:b:")
    assert _values.decode_plain(back) == value
    with pytest.raises(_values.AuthenticationFailed):
        _values.decrypt_value(enc, key, b"a:c:")


@pytest.mark.parametrize(
    "text",
    [
        "ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]",  # tag too short
        "ENC[AES256_GCM,data:AA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]",  # bad base64
        "ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:weird]",
        "ENC[AES128_CBC,data:AAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]",
        "ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str",
    ],
)
def test_malformed_enc_values(text: str) -> None:
    with pytest.raises(_values.MalformedValue):
        _values.decrypt_value(text, bytes(32), b"x:")


@pytest.mark.parametrize(
    ("raw", "aad"),
    [
        ("2025-08-06T18:55:05Z", "2025-08-06T18:55:05Z"),
        ("2025-08-06T18:55:05.5Z", "2025-08-06T18:55:05Z"),
        ("2025-08-06T18:55:05+00:00", "2025-08-06T18:55:05Z"),
        ("2025-08-06T20:55:05+02:00", "2025-08-06T20:55:05+02:00"),
    ],
)
def test_lastmodified_aad_is_go_rfc3339(raw: str, aad: str) -> None:
    assert go_rfc3339(raw) == aad


def _datakeys() -> list[tuple[str, bytes, str, str]]:
    rows = []
    for line in (EXPECTED / "datakeys.tsv").read_text().splitlines()[1:]:
        name, key, lastmodified, mac = line.split("\t")
        rows.append((name, bytes.fromhex(key), lastmodified, mac))
    return rows


def _find(name: str) -> Path:
    matches = [p for p in VECTORS.rglob(name) if p.parent.name != "expected"]
    assert matches, name
    return matches[0]


@pytest.mark.parametrize(
    ("name", "key", "lastmodified", "mac"), _datakeys(), ids=[r[0] for r in _datakeys()]
)
def test_mac_layer_without_gpg(name: str, key: bytes, lastmodified: str, mac: str) -> None:
    """Given the data key, every value decrypts and the computed MAC is the stored one."""
    path = _find(name)
    text = path.read_text()
    if path.suffix in (".yaml", ".yml"):
        docs = _yamltext.parse(text, path)
        leaves = [leaf for doc in docs for leaf in doc.leaves]
        raw_meta = docs[0].sops_value
    else:
        data = _load_json(text, path)
        leaves = _tree.data_leaves(data, path)
        raw_meta = data["sops"]
    meta = parse_metadata(raw_meta, path)
    assert meta.lastmodified == lastmodified
    _, computed = _tree.decrypt_leaves(leaves, key, meta.rule, mac_only=meta.mac_only, source=path)
    if mac == "(none)":  # ft_no_mac.yaml: sops exits 51 "File has no MAC"
        with pytest.raises(MacMismatchError, match="no MAC"):
            _tree.verify_mac(meta.mac, computed, key, meta.mac_aad, path)
        return
    assert computed == mac
    _tree.verify_mac(meta.mac, computed, key, meta.mac_aad, path)


def test_mac_only_encrypted_seed() -> None:
    assert hashlib.sha256(b"sops").hexdigest().startswith("8a3fd2ad54ce6652")


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ({"version": "sectigo-1"}, "Major.Minor.Patch"),
        ({"version": "2.0.0"}, "only sops v3"),
        ({"version": "3.11.0", "encrypted_comment_regex": "x"}, "encrypted_comment_regex"),
        ({"version": "3.11.0", "key_groups": [{"pgp": []}]}, "key_groups"),
        ({"version": "3.11.0", "encrypted_regex": "a", "unencrypted_suffix": "_u"}, "more than"),
    ],
)
def test_unsupported_metadata(block: dict[str, object], message: str) -> None:
    with pytest.raises(UnsupportedFileError) as caught:
        parse_metadata(block, Path("creds.yaml"))
    assert "creds.yaml" in str(caught.value)
    assert message in str(caught.value) + str(caught.value.hint)


def test_plain_value_at_encrypted_path_is_malformed() -> None:
    leaves = _tree.data_leaves({"a": "plain"}, Path("f.yaml"))
    with pytest.raises(MalformedValueError, match=r"f\.yaml: a: .*data format"):
        _tree.decrypt_leaves(leaves, bytes(32), _tree.Rule(), mac_only=False, source=Path("f.yaml"))
