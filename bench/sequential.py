"""The sequential way: the Sectigo agent's loop, replayed with pancert's own clients.

``python -m bench.sequential --config C --count N --sleep S`` runs, for the first N profiles,
one certificate at a time: generate the key and CSR on the firewall, export the CSR, enroll,
sleep a fixed time, collect, import, commit, wait for the commit job (guide §"How the agent
works", steps 3-5). Concurrency is 1 throughout, as the guide's agent works one profile at a
time and commits per certificate. The commit is pancert's admin-scoped one: the sandbox's
commit job takes the preset's commit time either way, so the figure is the same as a full
commit's. No rebind and no delete: the guide's loop does neither, which only favours it.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
from pathlib import Path

from pancert.config import load_config
from pancert.panos.client import open_client
from pancert.panos.models import CsrRequest, KeyAlgorithm, Location
from pancert.scm import open_ca
from pancert.scm.models import EnrollRequest, IssuedChain


async def replay(config: Path, count: int, sleep_s: float) -> int:
    """Rotate ``count`` certificates one after another; returns how many were installed."""
    loaded = load_config(str(config))
    chosen = sorted(loaded.profiles.values(), key=lambda p: p.name)[:count]
    if len(chosen) < count:
        raise SystemExit(f"only {len(chosen)} profiles in {config}, {count} wanted")
    done = 0
    authorities = {}
    try:
        for profile in chosen:
            if profile.credential not in authorities:
                authorities[profile.credential] = open_ca(
                    scm_url=loaded.app.scm_url,
                    credential=loaded.credentials[profile.credential],
                    auth_url=loaded.app.auth_url,
                    ca_bundle=loaded.app.scm_ca_bundle,
                )
            ca = authorities[profile.credential]
            firewall = loaded.firewalls[profile.firewall_profiles[0]]
            assert firewall.api_key is not None
            assert firewall.url is not None, "the benchmark's firewalls are reached directly"
            assert firewall.commit_user is not None
            location = Location(profile.location)
            name = f"seq-{secrets.token_hex(4)}-{profile.name}"[:63]
            async with open_client(
                firewall.url, firewall.api_key, ca_bundle=firewall.ca_bundle
            ) as fw:
                await fw.generate_csr(
                    CsrRequest(
                        name=name,
                        common_name=profile.common_name,
                        algorithm=KeyAlgorithm.RSA
                        if profile.key_type == "RSA"
                        else KeyAlgorithm.EC,
                        key_size=profile.key_size,
                    ),
                    location,
                )
                csr = await fw.export_csr(name, location)
                ref = await ca.enroll(
                    EnrollRequest(
                        csr_pem=csr,
                        common_name=profile.common_name,
                        dns_names=(profile.common_name,),
                        request_id=secrets.token_hex(8),
                        cert_type=profile.cert_type,
                    )
                )
                result = None
                while not isinstance(result, IssuedChain):
                    await asyncio.sleep(sleep_s)
                    result = await ca.collect(ref.order_id)
                await fw.import_certificate(name, location, result.certificates_pem)
                commit = await fw.commit(firewall.commit_user, firewall.commit_description)
                if commit.job_id is not None:
                    await fw.wait_for_job(commit.job_id, loaded.app.commit_timeout)
            done += 1
    finally:
        for ca in authorities.values():
            await ca.aclose()
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sequential")
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--sleep", type=float, required=True, help="the fixed sleep, seconds")
    args = parser.parse_args(argv)
    done = asyncio.run(replay(args.config, args.count, args.sleep))
    print(f"sequential: {done} certificates installed and committed")
    return 0 if done == args.count else 1


if __name__ == "__main__":
    raise SystemExit(main())
