"""``pancert sandbox --dir DIR`` as a user runs it: a ready configuration, sandbox.json for
scripts, real HTTPS servers, and a clean exit on SIGINT/SIGTERM with nothing left running."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _start(folder: Path, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PANCERT_ACCEPT_EULA="yes")
    return subprocess.Popen(
        [sys.executable, "-m", "pancert", "sandbox", "--dir", str(folder), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _wait_for(path: Path, process: subprocess.Popen[str]) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if path.exists() and process.stdout is not None:
            line = process.stdout.readline()  # the first line is printed once serving
            assert "pancert sandbox running" in line
            data = json.loads(path.read_text())
            assert isinstance(data, dict)
            return data
        assert process.poll() is None, process.communicate()
        time.sleep(0.1)
    raise AssertionError("sandbox.json never appeared")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_the_sandbox_serves_describes_itself_and_stops_cleanly(
    tmp_path: Path, stop: signal.Signals
) -> None:
    process = _start(tmp_path, "--firewalls", "3")
    try:
        data = _wait_for(tmp_path / "sandbox.json", process)
        scm = data["scm"]
        firewalls = data["firewalls"]
        assert isinstance(scm, dict)
        assert isinstance(firewalls, list)
        assert len(firewalls) == 3 + 2  # and one HA pair by default
        assert data["ha_pairs"] == [{"name": "ha1", "peers": ["fw4", "fw5"]}]
        assert (tmp_path / "profiles" / "fw_ha1.yaml").exists()
        assert (tmp_path / "profiles" / "ha_portal.yaml").exists()
        assert scm["url"].endswith("/api/ssl/v1")
        assert {
            "auth_url",
            "client_id",
            "client_secret",
            "login",
            "password",
            "customer_uri",
            "org_id",
            "validated_domains",
            "enroll_url",
            "enroll_client_id",
            "enroll_client_secret",
        } <= set(scm)
        trust = ssl.create_default_context(cafile=str(data["ca_bundle"]))
        token = httpx.post(
            scm["auth_url"],
            verify=trust,
            data={
                "grant_type": "client_credentials",
                "client_id": scm["enroll_client_id"],
                "client_secret": scm["enroll_client_secret"],
            },
        )
        assert token.status_code == 200
        version = httpx.get(
            firewalls[0]["url"] + "/api/",
            verify=trust,
            params={"type": "version"},
            headers={"X-PAN-KEY": firewalls[0]["api_key"]},
        )
        assert "<sw-version>" in version.text
        panorama = data["panorama"]
        assert isinstance(panorama, dict)
        assert {"url", "username", "password", "api_key", "devices"} <= set(panorama)
        # the standalone firewalls; HA peers are reached at their own addresses
        standalone = [f["name"] for f in firewalls[:3]]
        assert [d["firewall"] for d in panorama["devices"]] == standalone
        proxied = httpx.post(
            panorama["url"] + "/api/",
            verify=trust,
            data={
                "type": "op",
                "cmd": "<show><system><info/></system></show>",
                "target": panorama["devices"][2]["serial"],
            },
            headers={"X-PAN-KEY": panorama["api_key"]},
        )
        assert f"<hostname>{firewalls[2]['name']}</hostname>" in proxied.text
        profiles = tmp_path / "profiles"
        assert (profiles / "managed.yaml").is_file()
        assert (profiles / "portal.yaml").is_file()
        validate = subprocess.run(
            [
                sys.executable,
                "-m",
                "pancert",
                "--config",
                str(tmp_path / "config.yaml"),
                "validate",
            ],
            capture_output=True,
            text=True,
            check=False,
            env=dict(os.environ, PANCERT_ACCEPT_EULA="yes"),
        )
        assert validate.returncode == 0, validate.stdout + validate.stderr
        assert oct((tmp_path / "sandbox.json").stat().st_mode & 0o777) == "0o600"
    finally:
        process.send_signal(stop)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "pancert sandbox stopped" in out
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # nothing of its process group is left
