"""The parsed-profile cache (pancert/config/_cache.py): a hit only for the very same text,
nothing secret ever stored, a broken cache file is no cache, and the file is 0600."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr

from pancert.config import load_config
from pancert.config._cache import CACHE_FILE, SECRET_HINTS, DocumentCache
from pancert.config.acme import AcmeCredential
from pancert.config.models import AppConfig, FirewallProfile, ScmCredential
from pancert.config.profile import CertificateProfile
from pancert.errors import ConfigError
from tests.unit.test_config_support import CREDENTIAL, FIREWALL, make_folder, write


def _cache(cfg: Path) -> Path:
    return cfg.parent / CACHE_FILE


def _entries(cfg: Path) -> dict[str, Any]:
    files = json.loads(_cache(cfg).read_text())["files"]
    assert isinstance(files, dict)
    return files


def _tamper(cfg: Path, profile: Path, field: str, value: Any) -> None:
    """Change one stored value, keeping its digest: a later load shows whether it was used."""
    payload = json.loads(_cache(cfg).read_text())
    payload["files"][str(profile)]["data"][field] = value
    _cache(cfg).write_text(json.dumps(payload))


def test_the_second_load_takes_the_parse_from_the_cache(isolated_env: Path) -> None:
    cfg = make_folder(isolated_env)
    first = load_config(str(cfg))
    assert str(isolated_env / "web.yaml") in _entries(cfg)
    _tamper(cfg, isolated_env / "web.yaml", "sectigo_csr_domain", "cached.example.com")
    second = load_config(str(cfg))
    assert first.profiles["web"].common_name == "www.example.com"
    assert second.profiles["web"].common_name == "cached.example.com"


def test_an_edit_of_the_same_size_and_time_is_a_miss(isolated_env: Path) -> None:
    cfg = make_folder(isolated_env, profiles={"web": {"sectigo_csr_domain": "aaa.example.com"}})
    profile = isolated_env / "web.yaml"
    load_config(str(cfg))
    before = profile.stat()
    profile.write_text(profile.read_text().replace("aaa.example.com", "bbb.example.com"))
    os.utime(profile, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert profile.stat().st_size == before.st_size
    assert load_config(str(cfg)).profiles["web"].common_name == "bbb.example.com"


@pytest.mark.parametrize("garbage", ["{not json", '{"header": 1}', "[]", '{"files": {"x": 1}}'])
def test_a_corrupt_cache_file_is_an_empty_cache_and_is_rewritten(
    isolated_env: Path, garbage: str
) -> None:
    cfg = make_folder(isolated_env)
    write(_cache(cfg), garbage)
    assert load_config(str(cfg)).profiles["web"].common_name == "www.example.com"
    assert str(isolated_env / "web.yaml") in _entries(cfg)


def test_a_stored_entry_of_a_file_that_no_longer_parses_is_not_used(isolated_env: Path) -> None:
    cfg = make_folder(isolated_env)
    load_config(str(cfg))
    write(isolated_env / "web.yaml", "a: [1\n")
    loaded = load_config(str(cfg))
    assert "web" in loaded.broken_profiles
    assert "malformed YAML" in loaded.broken_profiles["web"][0].message


def test_messages_are_the_same_from_the_cache(isolated_env: Path) -> None:
    cfg = make_folder(isolated_env, profiles={"web": {"sectigo_csr_key_size": 1000}})
    first = load_config(str(cfg)).broken_profiles
    assert str(isolated_env / "web.yaml") in _entries(cfg)
    assert load_config(str(cfg)).broken_profiles == first


_URL = "paloalto_url: https://192.0.2.1\n"
_BLOCK_FIREWALL = "".join(f"{key}: {value}\n" for key, value in FIREWALL.items())


def test_secrets_are_never_stored(isolated_env: Path) -> None:
    cfg = make_folder(
        isolated_env,
        profiles={"web": {}, "noted": "# the old token was xyzzy-0123456789\n" + _plain_profile()},
        firewalls={
            "fw_one": _BLOCK_FIREWALL,
            "fw_two": {"paloalto_api_key": None, "paloalto_panorama": "x"},
            "fw_misspelt": _URL + "paloalto_api_kye: misspelt-0123456789\n",
            "fw_escaped": _URL + 'paloalto_api_key: "esc\\x41ped-0123456789"\n',
        },
    )
    load_config(str(cfg))
    entries = _entries(cfg)
    text = _cache(cfg).read_text()
    for secret in (
        FIREWALL["paloalto_api_key"],
        CREDENTIAL["sectigo_cm_user_secret"],
        "misspelt-0123456789",
        "escAped-0123456789",
        "esc\\x41ped",
        "xyzzy",
    ):
        assert secret not in text
    assert entries[str(isolated_env / "fw_one.yaml")]["data"]["paloalto_api_key"] is None
    for never in ("sectigo_credentials", "config", "fw_misspelt", "fw_escaped"):
        assert str(isolated_env / f"{never}.yaml") not in entries
    for stored in ("fw_two", "web", "noted"):
        assert str(isolated_env / f"{stored}.yaml") in entries


@pytest.mark.parametrize(
    "written",
    [
        "paloalto_api_key: one-line-0123456789\n",
        "paloalto_api_key:\n  next-line-0123456789\n",
        "paloalto_api_key: folded-0123\n  456789\n",
        "paloalto_api_key: 'quoted-0123456789'\n",
        "Paloalto_API_Key: 'case-0123456789'  \n",
    ],
)
def test_a_firewall_key_comes_back_from_the_same_text(isolated_env: Path, written: str) -> None:
    body = "paloalto_url: https://192.0.2.1\n" + written + "paloalto_commit_user: admin\n"
    cfg = make_folder(isolated_env, firewalls={"fw_one": body})
    expected = load_config(str(cfg)).firewalls["fw_one"].api_key
    assert expected is not None
    fw = isolated_env / "fw_one.yaml"
    assert expected.get_secret_value() not in _cache(cfg).read_text()
    _tamper(cfg, fw, "paloalto_commit_user", "from-the-cache")
    again = load_config(str(cfg)).firewalls["fw_one"]
    assert again.commit_user == "from-the-cache"
    assert again.api_key == expected
    assert again.api_key.get_secret_value() in (
        "one-line-0123456789",
        "next-line-0123456789",
        "folded-0123 456789",
        "quoted-0123456789",
        "case-0123456789",
    )


def test_a_tampered_secret_position_is_a_miss(isolated_env: Path) -> None:
    cfg = make_folder(isolated_env, firewalls={"fw_one": _BLOCK_FIREWALL})
    fw = isolated_env / "fw_one.yaml"
    load_config(str(cfg))
    payload = json.loads(_cache(cfg).read_text())
    payload["files"][str(fw)]["secrets"]["paloalto_api_key"] = [99, 0, 0]
    payload["files"][str(fw)]["data"]["paloalto_url"] = "https://203.0.113.9"
    _cache(cfg).write_text(json.dumps(payload))
    loaded = load_config(str(cfg)).firewalls["fw_one"]
    assert loaded.url == FIREWALL["paloalto_url"]
    assert loaded.api_key is not None
    assert loaded.api_key.get_secret_value() == FIREWALL["paloalto_api_key"]


def _plain_profile() -> str:
    return (
        "paloalto_fw_profile: fw_one\nscm_credential_detail: MAIN\n"
        "sectigo_csr_domain: noted.example.com\nsectigo_csr_key_type: RSA\n"
        "sectigo_csr_key_size: 2048\n"
    )


@pytest.mark.parametrize(
    "extra",
    [
        "when: 2024-01-01\n",  # a timestamp
        "ratio: 1.5\n",  # a float
        "tagged: !custom 1\n",
        "hex: 0x10\n",  # an int that keeps its spelling
        "block: |\n  two\n  lines\n",  # a styled string
        "anchor: &a [1]\nalias: *a\n",  # shared objects
        "1: one\n",  # a key that is not text
    ],
)
def test_values_json_cannot_hold_exactly_are_parsed_every_time(
    isolated_env: Path, extra: str
) -> None:
    cfg = make_folder(isolated_env, profiles={"web": _plain_profile() + extra, "plain": {}})
    load_config(str(cfg))
    assert str(isolated_env / "web.yaml") not in _entries(cfg)
    assert str(isolated_env / "plain.yaml") in _entries(cfg)


def test_the_cache_file_is_0600_even_when_it_was_not(isolated_env: Path) -> None:
    cfg = make_folder(isolated_env)
    load_config(str(cfg))
    assert stat.S_IMODE(_cache(cfg).stat().st_mode) == 0o600
    _cache(cfg).chmod(0o644)
    write(isolated_env / "other.yaml", _plain_profile())
    load_config(str(cfg))
    assert stat.S_IMODE(_cache(cfg).stat().st_mode) == 0o600
    assert str(isolated_env / "other.yaml") in _entries(cfg)


def test_removed_files_leave_the_cache(isolated_env: Path) -> None:
    cfg = make_folder(isolated_env, profiles={"web": {}, "gone": {}})
    load_config(str(cfg))
    assert str(isolated_env / "gone.yaml") in _entries(cfg)
    (isolated_env / "gone.yaml").unlink()
    load_config(str(cfg))
    assert str(isolated_env / "gone.yaml") not in _entries(cfg)


def test_a_missing_state_folder_is_made_private_for_the_cache(isolated_env: Path) -> None:
    cfg = make_folder(isolated_env, config={"pancert_state_path": "state/inner"})
    load_config(str(cfg))
    for folder in (isolated_env / "state", isolated_env / "state" / "inner"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert str(isolated_env / "web.yaml") in _entries(isolated_env / "state" / "inner" / "x")


def test_a_state_path_that_is_a_file_is_left_alone(isolated_env: Path) -> None:
    cfg = make_folder(isolated_env, config={"pancert_state_path": "state"})
    write(isolated_env / "state", "not a folder")
    assert load_config(str(cfg)).profiles["web"].common_name == "www.example.com"
    assert (isolated_env / "state").read_text() == "not a folder"


@pytest.mark.parametrize("linked", ["state", "cache", "file"])
def test_nothing_is_read_or_written_through_a_symbolic_link(
    isolated_env: Path, linked: str
) -> None:
    elsewhere = isolated_env / "elsewhere"
    elsewhere.mkdir()
    cfg = make_folder(
        isolated_env / "site", config={"pancert_state_path": str(isolated_env / "st")}
    )
    state = isolated_env / "st"
    if linked == "state":
        state.symlink_to(elsewhere)
    else:
        state.mkdir()
        if linked == "cache":
            (state / "cache").symlink_to(elsewhere)
        else:
            (state / "cache").mkdir()
            (state / CACHE_FILE).symlink_to(elsewhere / "target.json")
    load_config(str(cfg))
    assert list(elsewhere.iterdir()) == []


def test_an_unwritable_state_folder_only_costs_time(isolated_env: Path) -> None:
    cfg = make_folder(isolated_env)
    write(_cache(cfg).parent, "a file, where the cache folder would be")
    assert load_config(str(cfg)).profiles["web"].common_name == "www.example.com"


def test_a_parse_error_still_names_file_and_line(isolated_env: Path) -> None:
    cfg = make_folder(isolated_env)
    cache = DocumentCache(isolated_env)
    write(isolated_env / "bad.yaml", "a: 1\na: 2\n")
    with pytest.raises(ConfigError) as caught:
        cache.document(isolated_env / "bad.yaml")
    problem = caught.value.problems[0]
    assert problem.file == str(isolated_env / "bad.yaml")
    assert "line 2" in problem.message
    assert "line 1" in problem.message
    assert cfg.exists()


@pytest.mark.parametrize(
    "model", [AppConfig, FirewallProfile, ScmCredential, AcmeCredential, CertificateProfile]
)
def test_every_secret_field_is_caught_by_a_hint(model: type[BaseModel]) -> None:
    secret = [
        info.alias
        for info in model.model_fields.values()
        if SecretStr in _types(info.annotation) and info.alias
    ]
    assert bool(secret) == (model is not CertificateProfile)
    for alias in secret:
        assert any(h in alias.lower() for h in SECRET_HINTS), alias


def _types(annotation: Any) -> set[Any]:
    found = {annotation}
    for inner in getattr(annotation, "__args__", ()) or ():
        found |= _types(inner)
    origin = getattr(annotation, "__origin__", None)
    if origin is not None:
        found |= _types(origin)
    for meta in getattr(annotation, "__metadata__", ()) or ():
        found.add(meta)
    return found
