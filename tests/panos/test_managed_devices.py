"""Which managed device a firewall profile names, from Panorama's device list: by serial or
hostname, connected; anything else is that device's own clear failure (no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pancert.config.models import FirewallProfile
from pancert.panos.panorama import DeviceInfo, DeviceUnreachableError, find_device, parse_devices
from pancert.panos.xml import parse

DEVICES = [
    DeviceInfo("0079A", "edge-a", True, "PA-440", "11.1.4"),
    DeviceInfo("0079B", "edge-b", False, "PA-440", "11.1.4"),
    DeviceInfo("0079C", "twin", True, "PA-440", "11.1.4"),
    DeviceInfo("0079D", "twin", True, "PA-440", "11.1.4"),
]


def _profile(**keys: str) -> FirewallProfile:
    return FirewallProfile.model_validate(
        {"name": "fw_x", "source": Path("fw_x.yaml"), "paloalto_panorama": "fw_pano", **keys}
    )


@pytest.mark.parametrize(
    ("keys", "serial", "fragment"),
    [
        pytest.param({"paloalto_serial": "0079A"}, "0079A", None, id="serial"),
        pytest.param({"paloalto_device": "edge-a"}, "0079A", None, id="hostname"),
        pytest.param({"paloalto_serial": "0079B"}, None, "not connected", id="disconnected"),
        pytest.param({"paloalto_serial": "0079Z"}, None, "not managed", id="unknown"),
        pytest.param({"paloalto_device": "twin"}, None, "names 2 devices", id="ambiguous"),
    ],
)
def test_find_device(keys: dict[str, str], serial: str | None, fragment: str | None) -> None:
    profile = _profile(**keys)
    if fragment is None:
        assert find_device(DEVICES, profile).serial == serial
        return
    with pytest.raises(DeviceUnreachableError, match=fragment) as caught:
        find_device(DEVICES, profile)
    assert caught.value.hint


def test_show_devices_reply() -> None:
    xml = (
        b"<response status='success'><result><devices><entry name='0079A'>"
        b"<serial>0079A</serial><connected>yes</connected><hostname>edge-a</hostname>"
        b"<model>PA-440</model><sw-version>11.1.4</sw-version></entry>"
        b"<entry name='0079B'><connected>no</connected><hostname>edge-b</hostname></entry>"
        b"</devices></result></response>"
    )
    assert parse_devices(parse(xml)) == [
        DeviceInfo("0079A", "edge-a", True, "PA-440", "11.1.4"),
        DeviceInfo("0079B", "edge-b", False, "", ""),
    ]
