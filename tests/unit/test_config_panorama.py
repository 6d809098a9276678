"""Firewall profiles that reach a firewall through Panorama: each problem names its file and
key, only the profiles using that firewall are set aside, and names fit Panorama's limit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pancert.config import LoadedConfig, load_config
from tests.unit.test_config_support import make_folder

PANO: dict[str, Any] = {"paloalto_commit_user": "panadmin"}
DEVICE: dict[str, Any] = {
    "paloalto_url": None,
    "paloalto_api_key": None,
    "paloalto_panorama": "fw_pano",
    "paloalto_serial": "007900000000001",
}


def load(root: Path, device: dict[str, Any], **extra: Any) -> LoadedConfig:
    cfg = make_folder(
        root,
        profiles={"web": {"paloalto_fw_profile": "fw_dev"}, "other": {}, **extra},
        firewalls={"fw_pano": PANO, "fw_dev": {**DEVICE, **device}, "fw_one": {}},
    )
    return load_config(str(cfg), environ={})


def test_a_device_behind_panorama_needs_no_url_or_key_and_commits_as_panoramas_admin(
    tmp_path: Path,
) -> None:
    loaded = load(tmp_path, {})
    assert set(loaded.profiles) == {"web", "other"}
    device = loaded.firewalls["fw_dev"]
    assert device.resolved_panorama is not None
    assert device.resolved_panorama.name == "fw_pano"
    assert device.commit_user == "panadmin"
    assert device.address == "007900000000001 via fw_pano"


def test_a_device_url_keeps_its_own_admin(tmp_path: Path) -> None:
    own = {
        "paloalto_url": "https://10.0.0.1",
        "paloalto_api_key": "device-key-0123456789",
        "paloalto_commit_user": "local",
    }
    loaded = load(tmp_path, own)
    assert loaded.firewalls["fw_dev"].commit_user == "local"
    assert "web" in loaded.profiles


@pytest.mark.parametrize(
    ("device", "field", "fragment"),
    [
        pytest.param({"paloalto_serial": None}, "paloalto_serial", "exactly one", id="no-serial"),
        pytest.param(
            {"paloalto_device": "fw-a"}, "paloalto_serial", "exactly one", id="serial-and-device"
        ),
        pytest.param({"paloalto_serial": "00-79"}, "paloalto_serial", "serial", id="bad-serial"),
        pytest.param(
            {"paloalto_panorama": "fw_nothere"}, "paloalto_panorama", "no firewall", id="missing"
        ),
        pytest.param(
            {"paloalto_panorama": "fw_one", "paloalto_serial": "1"},
            "paloalto_panorama",
            None,
            id="ok-any-firewall-profile-with-url",
        ),
        pytest.param(
            {"paloalto_mode": "panorama-template", "paloalto_serial": None},
            "paloalto_template",
            "required",
            id="template-without-name",
        ),
        pytest.param(
            {"paloalto_mode": "panorama-template", "paloalto_template": "T"},
            "paloalto_mode",
            "no paloalto_serial",
            id="template-with-serial",
        ),
        pytest.param(
            {
                "paloalto_panorama": None,
                "paloalto_url": "https://10.0.0.1",
                "paloalto_api_key": "k" * 20,
            },
            "paloalto_serial",
            "needs paloalto_panorama",
            id="serial-without-panorama",
        ),
        pytest.param({"paloalto_mode": "cluster"}, "paloalto_mode", "", id="bad-mode"),
    ],
)
def test_each_panorama_rule_names_its_key(
    tmp_path: Path, device: dict[str, Any], field: str, fragment: str | None
) -> None:
    loaded = load(tmp_path, device)
    if fragment is None:
        assert "web" in loaded.profiles
        return
    assert set(loaded.profiles) == {"other"}
    problem = next(p for p in loaded.broken_profiles["web"] if p.field == field)
    assert problem.file == str(tmp_path / "fw_dev.yaml")
    assert fragment in str(problem)


def test_a_panorama_that_is_itself_behind_panorama_is_refused(tmp_path: Path) -> None:
    cfg = make_folder(
        tmp_path,
        profiles={"web": {"paloalto_fw_profile": "fw_dev"}},
        firewalls={
            "fw_pano": {**DEVICE, "paloalto_panorama": "fw_dev"},
            "fw_dev": DEVICE,
        },
    )
    loaded = load_config(str(cfg), environ={})
    assert "web" not in loaded.profiles
    assert any(p.field == "paloalto_panorama" for p in loaded.broken_profiles["web"])


def test_names_stay_within_panoramas_31_characters(tmp_path: Path) -> None:
    long_name = "a" * 23
    loaded = load(
        tmp_path,
        {},
        **{
            long_name: {"paloalto_fw_profile": "fw_dev"},
            "b" * 22: {"paloalto_fw_profile": "fw_dev"},
        },
    )
    assert "b" * 22 in loaded.profiles
    (problem,) = loaded.broken_profiles[long_name]
    assert problem.field == "(file name)"
    assert "31" in str(problem)
