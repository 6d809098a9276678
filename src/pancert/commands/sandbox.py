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
    parser.add_argument(
        "--acme",
        action="store_true",
        help="also run Pebble (Debian package pebble) as an ACME CA with EAB, DNS-01 through "
        "pebble-challtestsrv and an ARI endpoint, with an ACME credential and profile",
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
    acme = data.get("acme")
    if isinstance(acme, dict):
        lines += [
            f"  ACME directory:       {acme['directory']} (EAB key id {acme['eab_kid']})",
            f"  ACME DNS (challtestsrv): {acme['dns_server']}, hook {acme['dns_hook']}",
        ]
    panorama = data.get("panorama")
    if isinstance(panorama, dict):
        managed = ", ".join(f"{d['serial']} ({d['hostname']})" for d in panorama["devices"])
        lines.append(
            f"  Panorama:             {panorama['url']} (admin {panorama['username']}; "
            f"manages {managed})"
        )
    lines += [
        f"  secrets (sandbox-only) are in {config.parent / 'sandbox.json'}",
        f"try: pancert --config {config} enroll -p web.yaml",
        "stop with Ctrl-C",
    ]
    return lines


def run(args: argparse.Namespace) -> int:
    from pancert.errors import UsageError
    from pancert.sandbox.acme import AcmeSandboxSettings
    from pancert.sandbox.world import (
        ACME_PROFILE,
        DEMO_PROFILES,
        HA_PROFILE,
        PANORAMA_PROFILES,
        ProfileSpec,
        SandboxWorld,
    )

    if args.firewalls < 1:
        raise UsageError("--firewalls: at least 1")
    if args.ha_pairs < 0:
        raise UsageError("--ha-pairs: 0 or more")
    existing = Path(args.dir) / "config.yaml"
    if existing.exists() or existing.is_symlink():
        # it may be a real configuration: the sandbox's would replace its URLs and keys
        error = UsageError(f"{existing} exists; the sandbox does not overwrite a configuration")
        error.hint = "give --dir an empty (or new) folder, or move that config.yaml away first"
        raise error
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        acme = AcmeSandboxSettings(ari=True) if args.acme else None
        with SandboxWorld(
            args.dir, firewalls=args.firewalls, ha_pairs=args.ha_pairs, acme=acme
        ) as world:
            profiles: tuple[ProfileSpec, ...] = DEMO_PROFILES + PANORAMA_PROFILES
            profiles += (HA_PROFILE,) if args.ha_pairs else ()
            profiles += (ACME_PROFILE,) if args.acme else ()
            config = world.write_configuration(profiles)
            for line in describe_in_words(world.describe(), config):
                print(line, flush=True)
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("pancert sandbox stopped")
    return status_codes.CONVERGED
