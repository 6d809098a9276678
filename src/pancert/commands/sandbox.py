"""``pancert sandbox --dir DIR [--firewalls N] [--ha-pairs N]``: the emulated SCM and
firewalls (standalone ones and HA pairs), until interrupted, with a ready-to-use
configuration in DIR (docs/sandbox-fidelity.md)."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path
from types import FrameType

from pancert import status_codes

NAME = "sandbox"
HELP = "run the built-in sandbox (emulated SCM + firewalls) and write a configuration for it"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir",
        required=True,
        type=Path,
        metavar="DIR",
        help="folder for the configuration, CA and sandbox.json",
    )
    parser.add_argument(
        "--firewalls",
        type=int,
        default=2,
        metavar="N",
        help="number of emulated standalone firewalls (default 2)",
    )
    parser.add_argument(
        "--ha-pairs",
        type=int,
        default=1,
        metavar="N",
        help="number of emulated HA pairs, two more firewalls each (default 1)",
    )


def describe_in_words(data: dict[str, object], config: Path) -> list[str]:
    scm = data["scm"]
    assert isinstance(scm, dict)
    firewalls = data["firewalls"]
    assert isinstance(firewalls, list)
    lines = [
        f"pancert sandbox running; configuration: {config}",
        f"  CA bundle to trust:   {data['ca_bundle']}",
        f"  SCM REST Enrollment:  {scm['enroll_url']} (client {scm['enroll_client_id']})",
        f"  SCM Admin API:        {scm['url']} (login {scm['login']}, "
        f"customerUri {scm['customer_uri']}, org {scm['org_id']})",
        f"  OAuth token endpoint: {scm['auth_url']}",
        f"  validated domains:    {', '.join(scm['validated_domains'])}",
    ]
    lines += [f"  firewall {fw['name']}: {fw['url']} (admin {fw['username']})" for fw in firewalls]
    pairs = data.get("ha_pairs") or []
    assert isinstance(pairs, list)
    lines += [
        f"  HA pair {pair['name']}: {' + '.join(pair['peers'])} "
        f"(fw_{pair['name']}.yaml; control: /_sandbox/ha on either peer)"
        for pair in pairs
    ]
    lines += [
        f"  secrets (sandbox-only) are in {config.parent / 'sandbox.json'}",
        f"try: pancert --config {config} enroll -p web.yaml",
        "stop with Ctrl-C",
    ]
    return lines


def run(args: argparse.Namespace) -> int:
    from pancert.errors import UsageError
    from pancert.sandbox.world import SandboxWorld

    if args.firewalls < 1:
        raise UsageError("--firewalls: at least 1")
    if args.ha_pairs < 0:
        raise UsageError("--ha-pairs: 0 or more")
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with SandboxWorld(args.dir, firewalls=args.firewalls, ha_pairs=args.ha_pairs) as world:
            config = world.write_configuration()
            for line in describe_in_words(world.describe(), config):
                print(line, flush=True)
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("pancert sandbox stopped")
    return status_codes.CONVERGED
