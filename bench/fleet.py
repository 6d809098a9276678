"""The sandbox fleet as its own process: ``python -m bench.fleet --dir D …``.

It builds a :class:`~pancert.sandbox.world.SandboxWorld` with the preset's latencies (every
firewall on its own loopback port, one uvicorn for all of them), a pre-filled key pool, one
SSL/TLS service profile per certificate slot to bind, and the configuration pancert reads.
Running it apart from the agent keeps the sandbox's CPU out of the agent's figures and off
the agent's GIL.

Protocol on stdin/stdout, one JSON object per line: first ``{"ready": …, "config": …}``;
then ``counts`` answers the request counters (PAN-OS calls by kind summed over the fleet,
the maximum per firewall, SCM calls by kind, commits, the sandbox's own CPU seconds) and
``quit`` stops the servers.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench.keys import fill_pool
from bench.presets import PRESETS, Preset
from pancert.sandbox.firewall import Firewall, FirewallSettings
from pancert.sandbox.firewall.changes import Change, apply
from pancert.sandbox.firewall.tree import DEVICE
from pancert.sandbox.scm import ScmSandboxSettings
from pancert.sandbox.world import ProfileSpec, SandboxWorld

_TLS_PROFILES = f"{DEVICE}/vsys/entry[@name='vsys1']/ssl-tls-service-profile"
_PROTOCOL = (
    "<protocol-settings><min-version>tls1-2</min-version><max-version>max</max-version>"
    "</protocol-settings>"
)


def tls_profile(slot: int) -> str:
    return f"bench-tls-{slot}"


def profiles(preset: Preset, firewalls: int, per_firewall: int) -> tuple[ProfileSpec, ...]:
    """One profile per (firewall, slot), each bound to its own SSL/TLS service profile so
    every rotation also rebinds a reference, as on a production firewall."""
    specs = []
    for fw in range(1, firewalls + 1):
        for slot in range(per_firewall):
            algorithm, bits = preset.key_type(slot)
            specs.append(
                ProfileSpec(
                    name=f"fw{fw}-c{slot}",
                    common_name=f"c{slot}.fw{fw}.example.com",
                    firewalls=(f"fw_sandbox{fw}",),
                    key_type=algorithm,
                    key_size=bits,
                    bindings=(("ssl_tls_service_profile", tls_profile(slot)),),
                )
            )
    return tuple(specs)


def _seed_tls_profiles(firewall: Firewall, per_firewall: int) -> None:
    xml = "".join(
        f'<entry name="{tls_profile(slot)}">{_PROTOCOL}</entry>' for slot in range(per_firewall)
    )
    change = Change("seed", "set", _TLS_PROFILES, xml)
    for root in (firewall.candidate, firewall.running):
        apply(root, change, marks=False)


def build(
    folder: Path,
    preset: Preset,
    *,
    firewalls: int,
    per_firewall: int,
    rotations: int,
    extra_keys: int,
) -> tuple[SandboxWorld, Path]:
    needs: Counter[tuple[str, int]] = Counter()
    for slot in range(per_firewall):
        needs[preset.key_type(slot)] += firewalls * rotations
    needs[preset.key_type(0)] += extra_keys
    pool = fill_pool(dict(needs))
    world = SandboxWorld(
        folder,
        firewalls=firewalls,
        scm_settings=ScmSandboxSettings(
            latency_s=preset.scm_call_s,
            dv_issue_delay_s=preset.dv_issue_s,
            rate_limit_per_s=preset.scm_rate_per_s,
            # The preset's DV issuance time is the processing the bound counts; the sandbox's
            # default extra "being processed" answer per order would add a collect, a status
            # read and a retry wait to every certificate (4 SCM calls instead of the bound's 2).
            pending_collects=0,
        ),
        firewall_settings=FirewallSettings(
            call_latency_s=preset.call_s,
            keygen_latency_s=dict(preset.keygen_s),
            key_pool=pool,
            commit_duration_s=preset.commit_s,
            serialize_mutations=True,
        ),
    )
    for firewall in world.fleet.firewalls:
        _seed_tls_profiles(firewall, per_firewall)
    config = world.write_configuration(
        profiles(preset, firewalls, per_firewall),
        pancert_max_parallel_firewalls=min(256, firewalls),
        sectigo_sleep_download=preset.dv_issue_s,
    )
    return world, config


def counts(world: SandboxWorld) -> dict[str, Any]:
    panos: Counter[str] = Counter()
    per_firewall_max: Counter[str] = Counter()
    commits = 0
    for firewall in world.fleet.firewalls:
        mine = firewall.recorder.counts()
        panos.update(mine)
        for kind, n in mine.items():
            per_firewall_max[kind] = max(per_firewall_max[kind], n)
        commits += len(firewall.commits)
    return {
        "panos": dict(panos),
        "panos_max_per_firewall": dict(per_firewall_max),
        "scm": world.scm.recorder.counts(),
        "commits": commits,
        "cpu_s": _cpu_s(),
    }


def _cpu_s() -> float:
    """This process's CPU so far: the whole sandbox (servers, TLS, XML, signing)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet")
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="fast")
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--firewalls", type=int, required=True)
    parser.add_argument("--certs-per-firewall", type=int, required=True)
    parser.add_argument("--rotations", type=int, default=2)
    parser.add_argument("--extra-keys", type=int, default=0)
    args = parser.parse_args(argv)
    preset = PRESETS[args.preset].scaled(args.time_scale)
    world, config = build(
        args.dir,
        preset,
        firewalls=args.firewalls,
        per_firewall=args.certs_per_firewall,
        rotations=args.rotations,
        extra_keys=args.extra_keys,
    )

    def say(message: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    with world:
        say({"ready": True, "config": str(config), "firewalls": args.firewalls})
        for line in sys.stdin:
            command = line.strip()
            if command == "counts":
                say(counts(world))
            elif command == "quit":
                break
            else:
                say({"error": f"unknown command {command!r}"})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
