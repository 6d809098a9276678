"""Firewalls managed by Panorama, end to end through the real CLI.

Device mode: every call to the firewall goes through Panorama with ``target=<serial>`` and
the key is generated on each firewall. A disconnected device fails alone.
"""

from __future__ import annotations

import dataclasses
import ssl

import httpx
from ruamel.yaml import YAML

from pancert.sandbox.world import PANORAMA_PROFILES, SandboxWorld

from .conftest import VSYS1, certificate_names, configure, running_text

MANAGED = PANORAMA_PROFILES[0]


def _pano_calls(world: SandboxWorld) -> dict[str, int]:
    return world.panorama.recorder.counts()


def _panorama_key_stayed_in_headers(world: SandboxWorld) -> None:
    for record in world.panorama.recorder.records():
        assert world.panorama.api_key not in record["query"] + record["body"]
        assert "key=" not in record["query"]


def _switch_device(world: SandboxWorld, serial: str, **switches: bool) -> None:
    url = world.describe()["panorama"]["url"] + "/_sandbox/devices"
    with httpx.Client(verify=ssl.create_default_context(cafile=world.ca_bundle)) as http:
        reply = http.post(url, json={"serial": serial, **switches})
        assert reply.status_code == 200, reply.text


def test_device_behind_panorama_rotates_with_its_key_on_the_device(world: SandboxWorld) -> None:
    agent = configure(world, MANAGED)
    first = agent("enroll", "-p", "managed")
    assert first.code == 0, first.text
    assert first.out.count("converged") == 2
    for fw in world.fleet.firewalls:
        assert certificate_names(fw) == ["managed"]
        bound = running_text(
            fw, f"{VSYS1}/ssl-tls-service-profile/entry[@name='gp-tls']/certificate"
        )
        assert bound == ["managed"]
        assert fw.refused_key_exports == 0
        # the firewall saw generate, export, import and commit, each sent by Panorama's admin
        calls = fw.recorder.counts()
        assert calls.get("generate") == 1
        assert calls.get("import") == 1
        assert [c.user for c in fw.commits] == ["panadmin"]
    calls = _pano_calls(world)
    assert calls.get("target:generate") == 2
    assert calls.get("target:import") == 2
    assert calls.get("target:commit") == 2
    assert not any(k in calls for k in ("generate", "import", "commit"))
    forced = agent("renew", "--force", "-p", "managed")
    assert forced.code == 0, forced.text
    for fw in world.fleet.firewalls:
        (name,) = certificate_names(fw)
        assert name.startswith("managed-")
        assert len(name) <= 31
    rows = [r for r in agent.status() if r["profile"] == "managed"]
    assert {r["firewall"] for r in rows} == {"fw_managed1", "fw_managed2"}
    _panorama_key_stayed_in_headers(world)


def test_a_disconnected_device_fails_alone(world: SandboxWorld) -> None:
    agent = configure(world, MANAGED)
    second = world.panorama.devices[world.fleet.firewalls[1].serial]
    _switch_device(world, second.serial, connected=False)
    run = agent("enroll", "-p", "managed")
    assert run.code == 1, run.text
    assert "managed on fw_managed1: converged" in run.out
    line = next(x for x in run.out.splitlines() if "fw_managed2" in x)
    assert "failed" in line
    assert "not connected" in line
    assert second.serial in line
    assert certificate_names(world.fleet.firewalls[1]) == []
    rows = {r["firewall"]: r for r in agent.status() if r["profile"] == "managed"}
    assert "not connected" in rows["fw_managed2"]["last_error"]["message"]
    assert "validate --online" in rows["fw_managed2"]["last_error"]["hint"]
    _switch_device(world, second.serial, connected=True)
    again = agent("renew", "-p", "managed")
    assert again.code == 0, again.text
    assert certificate_names(world.fleet.firewalls[1]) == ["managed"]


def test_validate_online_lists_the_managed_devices(world: SandboxWorld) -> None:
    agent = configure(world, MANAGED)
    second = world.fleet.firewalls[1].serial
    _switch_device(world, second, connected=False)
    result = agent("validate", "--online")
    text = result.text
    assert f"{world.fleet.firewalls[0].serial} (fw1): connected" in text
    assert f"{second} (fw2): NOT connected" in text


PORTAL = PANORAMA_PROFILES[1]


def _template_certificates(world: SandboxWorld, fw_index: int) -> list[str]:
    fw = world.fleet.firewalls[fw_index]
    return running_text(fw, "/config/shared/certificate/entry[@ptpl='T-fleet']/@name")


def test_template_mode_reports_each_device_and_exits_1_until_every_device_is_ok(
    world: SandboxWorld,
) -> None:
    agent = configure(world, PORTAL)
    first, second = world.fleet.firewalls
    _switch_device(world, second.serial, fail_push=True)
    run = agent("enroll", "-p", "portal")
    assert run.code == 1, run.text
    line = next(x for x in run.out.splitlines() if "portal on fw_template" in x)
    assert f"{first.serial} (fw1) OK" in line
    assert f"{second.serial} (fw2) FAIL" in line
    assert "fail_push" in line
    (row,) = [r for r in agent.status() if r["profile"] == "portal"]
    assert f"{second.serial} (fw2) FAIL" in row["last_error"]["message"]
    assert f"{first.serial} (fw1) OK" in row["last_error"]["message"]
    assert "run pancert again" in row["last_error"]["hint"]
    assert _template_certificates(world, 0) == ["portal"]
    assert _template_certificates(world, 1) == []
    _switch_device(world, second.serial, fail_push=False)
    again = agent("renew", "-p", "portal")
    assert again.code == 0, again.text
    assert _template_certificates(world, 1) == ["portal"]
    for fw in world.fleet.firewalls:
        profile = "/config/shared/ssl-tls-service-profile/entry[@name='gp-portal-tls']"
        assert running_text(fw, f"{profile}/certificate") == ["portal"]
    assert world.panorama.forced_template_values == 0
    pushes = world.panorama.pushes.values()
    assert all(p.kind == "template-stack" for p in pushes)
    # the key went into the template encrypted, and into none of pancert's files
    written = [p for d in ("state", "logs") for p in (agent.config.parent / d).rglob("*")]
    assert written
    assert not any(b"PRIVATE KEY" in p.read_bytes() for p in written if p.is_file())
    _panorama_key_stayed_in_headers(world)


def test_with_the_devices_own_url_the_import_goes_directly(world: SandboxWorld) -> None:
    agent = configure(world, dataclasses.replace(MANAGED, firewalls=("fw_managed1",)))
    fw = world.fleet.firewalls[0]
    profile = agent.config.parent / "profiles" / "fw_managed1.yaml"
    yaml = YAML()
    data = yaml.load(profile.read_text())
    data.update(
        {
            "paloalto_url": f"https://localhost:{fw.port}",
            "paloalto_api_key": fw.api_key,
            "paloalto_commit_user": fw.username,
            "paloalto_ca_bundle": str(world.ca_bundle),
        }
    )
    with profile.open("w") as handle:
        yaml.dump(data, handle)
    run = agent("enroll", "-p", "managed")
    assert run.code == 0, run.text
    calls = _pano_calls(world)
    assert "target:import" not in calls
    assert calls.get("target:generate") == 1
    assert fw.recorder.counts().get("import") == 1
    # one commit, through Panorama, of both admins' changes: nothing is left pending
    assert len(fw.commits) == 1
    assert fw.changes == []
    assert certificate_names(fw) == ["managed"]
