"""``pancert sandbox --acme`` as a user runs it: Pebble behind the sandbox's front, an ACME
credential and profile written, sandbox.json's ``acme`` section, and nothing left running."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_sandbox_command import _start, _wait_for


def test_sandbox_acme_serves_pebble_with_ari_and_a_working_configuration(tmp_path: Path) -> None:
    process = _start(tmp_path, "--firewalls", "1", "--acme")
    try:
        data = _wait_for(tmp_path / "sandbox.json", process)
        acme = data["acme"]
        assert isinstance(acme, dict)
        assert {"directory", "eab_kid", "eab_hmac_key", "ca_bundle", "dns_server"} <= set(acme)
        trust = ssl.create_default_context(cafile=str(acme["ca_bundle"]))
        directory = httpx.get(acme["directory"], verify=trust).json()
        assert directory["meta"]["externalAccountRequired"] is True
        assert directory["renewalInfo"].startswith(acme["directory"].removesuffix("/dir"))
        assert directory["newOrder"].startswith(acme["directory"].removesuffix("/dir"))
        env = dict(os.environ, PANCERT_ACCEPT_EULA="yes")
        config = str(tmp_path / "config.yaml")
        enroll = subprocess.run(
            [sys.executable, "-m", "pancert", "--config", config, "enroll", "-p", "acme_web"],
            capture_output=True,
            text=True,
            check=False,
            env=env,
            timeout=120,
        )
        assert enroll.returncode == 0, enroll.stdout + enroll.stderr
        assert "deployed acme_web" in enroll.stdout
        listing = subprocess.run(
            ["ps", "-e", "-o", "pid=,ppid=,args="], capture_output=True, text=True, check=False
        ).stdout
        pids = [
            int(fields[0])
            for fields in (line.split() for line in listing.splitlines())
            if int(fields[1]) == process.pid and "pebble" in fields[2]
        ]
        assert len(pids) == 2  # pebble and pebble-challtestsrv, children of the sandbox
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "pancert sandbox stopped" in out
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # Pebble and challtestsrv are gone with the sandbox
