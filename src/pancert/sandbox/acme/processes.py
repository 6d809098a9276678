"""Pebble and pebble-challtestsrv (Debian package ``pebble``) as child processes on loopback.

Pebble 2.4 (https://github.com/letsencrypt/pebble, README "Configuration") reads a JSON file:
listen and management addresses, its TLS certificate and key (the Debian package ships none,
so the sandbox CA issues one), and the EAB keys. The environment switches its validation
(``PEBBLE_VA_ALWAYS_VALID``, ``PEBBLE_VA_NOSLEEP``) and its random nonce rejection
(``PEBBLE_WFE_NONCEREJECT``, set to 0 so runs are reproducible). ``-dnsserver`` points its
validation at pebble-challtestsrv, whose management API (``/set-txt``, ``/clear-txt``) the
sandbox's DNS hook drives. Every address is 127.0.0.1; each process is stopped by its own PID.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from pancert.errors import UsageError

LOOPBACK = "127.0.0.1"
INSTALL_HINT = "install Debian's pebble package: `apt-get install pebble` (`make setup` does)"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def binary(name: str) -> str:
    found = shutil.which(name) or (
        f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").is_file() else None
    )
    if found is None:
        raise UsageError(f"{name} not found; {INSTALL_HINT}")
    return found


class ExitedEarly(RuntimeError):
    """The child exited before listening (typically: a free port was taken meanwhile)."""


ATTEMPTS = 3


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ExitedEarly(f"exited with {process.returncode}: {log.read_text()[-800:]}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.2)
            if sock.connect_ex((LOOPBACK, port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} not listening after {timeout} s: {log.read_text()[-800:]}")


class Child:
    """A child process whose output goes to a log file; stopped by PID only."""

    def __init__(self, args: list[str], log: Path, env: dict[str, str]) -> None:
        self.log = log
        handle = log.open("wb")
        self.process = subprocess.Popen(
            args, stdout=handle, stderr=subprocess.STDOUT, env=env
        )  # same process group as the sandbox: a signal to the group reaches them too
        handle.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@dataclass
class ChallTestSrv:
    dns_port: int
    management_port: int
    child: Child

    @classmethod
    def start(cls, folder: Path) -> ChallTestSrv:
        for attempt in range(ATTEMPTS):
            try:
                return cls._start(folder)
            except ExitedEarly:
                if attempt == ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    @classmethod
    def _start(cls, folder: Path) -> ChallTestSrv:
        dns_port, management_port = free_port(), free_port()
        args = [
            binary("pebble-challtestsrv"),
            "-dns01",
            f"{LOOPBACK}:{dns_port}",
            "-management",
            f"{LOOPBACK}:{management_port}",
            "-http01",
            "",
            "-https01",
            "",
            "-tlsalpn01",
            "",
        ]
        child = Child(args, folder / "challtestsrv.log", dict(os.environ))
        try:
            _wait_for_port(management_port, child.process, child.log, 20)
        except BaseException:
            child.stop()
            raise
        return cls(dns_port, management_port, child)

    @property
    def management_url(self) -> str:
        return f"http://{LOOPBACK}:{self.management_port}"

    def stop(self) -> None:
        self.child.stop()


@dataclass
class Pebble:
    port: int
    management_port: int
    child: Child

    @classmethod
    def start(cls, folder: Path, **options: Any) -> Pebble:
        """Ports are picked free but may be taken before Pebble binds them: a few tries."""
        for attempt in range(ATTEMPTS):
            try:
                return cls._start(folder, **options)
            except ExitedEarly:
                if attempt == ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    @classmethod
    def _start(
        cls,
        folder: Path,
        *,
        cert_pem: bytes,
        key_pem: bytes,
        eab_keys: dict[str, str],
        dns_server: str,
        always_valid: bool,
    ) -> Pebble:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "pebble-tls.pem").write_bytes(cert_pem)
        key_path = folder / "pebble-tls.key"
        key_path.write_bytes(key_pem)
        key_path.chmod(0o600)
        port, management_port = free_port(), free_port()
        config = {
            "pebble": {
                "listenAddress": f"{LOOPBACK}:{port}",
                "managementListenAddress": f"{LOOPBACK}:{management_port}",
                "certificate": str(folder / "pebble-tls.pem"),
                "privateKey": str(key_path),
                "httpPort": free_port(),
                "tlsPort": free_port(),
                "ocspResponderURL": "",
                "externalAccountBindingRequired": bool(eab_keys),
                "externalAccountMACKeys": eab_keys,
            }
        }
        config_path = folder / "pebble-config.json"
        config_path.write_text(json.dumps(config, indent=2))
        config_path.chmod(0o600)
        env = dict(os.environ, PEBBLE_VA_NOSLEEP="1", PEBBLE_WFE_NONCEREJECT="0")
        env["PEBBLE_AUTHZREUSE"] = "0"  # every order gets fresh authorizations unless told
        if always_valid:
            env["PEBBLE_VA_ALWAYS_VALID"] = "1"
        args = [binary("pebble"), "-config", str(config_path), "-dnsserver", dns_server]
        child = Child(args, folder / "pebble.log", env)
        try:
            _wait_for_port(port, child.process, child.log, 30)
            _wait_for_port(management_port, child.process, child.log, 30)
        except BaseException:
            child.stop()
            raise
        return cls(port, management_port, child)

    @property
    def url(self) -> str:
        return f"https://{LOOPBACK}:{self.port}"

    def root_pem(self, ca_bundle: Path) -> str:
        """Pebble makes a new root at every start; ``/roots/0`` serves it."""
        url = f"https://{LOOPBACK}:{self.management_port}/roots/0"
        return httpx.get(
            url, verify=ssl.create_default_context(cafile=str(ca_bundle)), timeout=10
        ).text

    def stop(self) -> None:
        self.child.stop()


HOOK_SCRIPT = """#!{python}
# pancert sandbox DNS-01 hook: HOOK add|del FQDN VALUE -> pebble-challtestsrv management API
import json, sys, urllib.request
verb, fqdn, value = sys.argv[1:4]
path = "/set-txt" if verb == "add" else "/clear-txt"
body = {{"host": fqdn.rstrip(".") + ".", "value": value}}
if verb != "add":
    body.pop("value")
request = urllib.request.Request("{management}" + path, json.dumps(body).encode(), method="POST")
urllib.request.urlopen(request, timeout=10).read()
"""


def write_hook(path: Path, challtestsrv: ChallTestSrv, python: str) -> Path:
    path.write_text(HOOK_SCRIPT.format(python=python, management=challtestsrv.management_url))
    path.chmod(0o700)
    return path
