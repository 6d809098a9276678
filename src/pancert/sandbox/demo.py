"""``pancert demo``: the whole product on the built-in sandbox, in under a minute.

Starts an emulated SCM and two firewalls, writes a configuration for them into a temporary
folder, then runs the real ``pancert`` command (as a separate process, exactly as cron would)
through enroll → status → forced renewal → status, showing what changed on the firewall:
the new object, the SSL/TLS profile and decryption rule moved to it, the old object gone, and
the chain the firewall now serves.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from lxml import etree

from pancert.sandbox.firewall import Firewall
from pancert.sandbox.firewall.tree import DEVICE
from pancert.sandbox.world import SandboxWorld

VSYS1 = f"{DEVICE}/vsys/entry[@name='vsys1']"
STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Check the configuration", ("validate",)),
    ("First enrollment of web.yaml (key generated on fw_sandbox1)", ("enroll", "-p", "web.yaml")),
    ("Renew everything due: shop.yaml is new on both firewalls", ("renew",)),
    ("What pancert manages now", ("status", "--table")),
    (
        "Forced rotation of web.yaml: new key, new object, rebind, delete",
        ("renew", "--force", "-p", "web.yaml"),
    ),
    ("After the rotation", ("status", "--table")),
)


def _text(root: etree._Element, xpath: str) -> str:
    found = root.xpath(xpath)
    assert isinstance(found, list)
    values = [str(n.text if isinstance(n, etree._Element) else n).strip() for n in found]
    return ", ".join(v for v in values if v) or "(none)"


def firewall_view(fw: Firewall) -> list[str]:
    """What fw_sandbox1 runs: web's objects, its bindings and the chain of the bound one."""
    running = fw.running
    bound = _text(running, f"{VSYS1}/ssl-tls-service-profile/entry[@name='web-tls']/certificate")
    rule = _text(
        running,
        f"{VSYS1}/rulebase/decryption/rules/entry[@name='inbound-web']"
        "/type/ssl-inbound-inspection//member",
    )
    names = _text(running, f"{VSYS1}/certificate/entry/@name")
    lines = [
        f"certificates in vsys1: {names}",
        f"SSL/TLS profile web-tls → {bound}",
        f"decryption rule inbound-web → {rule}",
    ]
    pem = _text(running, f"{VSYS1}/certificate/entry[@name='{bound}']/public-key")
    if "BEGIN CERTIFICATE" in pem:
        for cert in x509.load_pem_x509_certificates(pem.encode()):
            lines.append(
                f"  {cert.subject.rfc4514_string()}  ←  issued by "
                f"{cert.issuer.rfc4514_string()}, until "
                f"{cert.not_valid_after_utc:%Y-%m-%d}"
            )
    return lines


def run_demo(out: Callable[[str], None] = print) -> int:
    with tempfile.TemporaryDirectory(prefix="pancert-demo-") as tmp:
        folder = Path(tmp)
        with SandboxWorld(folder) as world:
            config = world.write_configuration()
            out(
                f"sandbox: SCM at {world.scm_url}, firewalls at "
                + ", ".join(fw["url"] for fw in world.fleet.describe())
            )
            env = dict(os.environ, PANCERT_ACCEPT_EULA="yes")
            env.pop("sectigo_pycert_config", None)
            for title, args in STEPS:
                out("")
                out(f"== {title}")
                out(f"$ pancert {' '.join(args)}")
                result = subprocess.run(
                    [sys.executable, "-m", "pancert", "--config", str(config), *args],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                    timeout=120,
                )
                for line in (result.stdout + result.stderr).rstrip().splitlines():
                    out(f"  {line}")
                if result.returncode != 0:
                    out(f"demo stopped: pancert exited {result.returncode}")
                    return result.returncode
                if args[0] in ("enroll", "renew"):
                    out("  -- on fw_sandbox1 (running configuration):")
                    for line in firewall_view(world.fleet.firewalls[0]):
                        out(f"     {line}")
            key_exports = sum(fw.refused_key_exports for fw in world.fleet.firewalls)
            out("")
            out(
                f"private keys exported: {key_exports}; SCM orders placed: "
                f"{len(world.scm.orders())}"
            )
    out("demo finished; nothing left running")
    return 0
