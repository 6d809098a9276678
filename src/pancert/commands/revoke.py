"""``pancert revoke -p PROFILE --reason R [--remove]``: revoke the profile's certificates at
the CA; then replace them (a forced rotation deletes each revoked object once its replacement
is bound), or with ``--remove`` delete them from the firewall now."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from pancert import status_codes

NAME = "revoke"
HELP = "revoke a profile's certificates at the CA, then replace them (or --remove them)"


def configure(parser: argparse.ArgumentParser) -> None:
    from pancert.ops.reasons import REASON_NAMES

    parser.add_argument(
        "-p", "--profile", required=True, metavar="PROFILE", help="the certificate profile"
    )
    parser.add_argument(
        "--reason",
        required=True,
        metavar="REASON",
        help="RFC 5280 reason: " + ", ".join(REASON_NAMES),
    )
    parser.add_argument(
        "--remove",
        action="store_true",
        help="delete the revoked object from the firewall now instead of replacing it",
    )


def run(args: argparse.Namespace) -> int:
    from pancert.commands._lifecycle import run_action
    from pancert.config import load_config
    from pancert.errors import UsageError
    from pancert.lifecycle.pair import utcnow
    from pancert.lifecycle.plan import Mode
    from pancert.logs import get_logger, setup_logging
    from pancert.ops.revoke import (
        PairRevocation,
        RevokeRequest,
        mark_replaced,
        reason_code,
        revoke_profile,
    )
    from pancert.redaction import redact
    from pancert.state import StateFolder, ensure_eula
    from pancert.wiring import Connections

    debug = bool(getattr(args, "debug", False))
    code_for_reason = reason_code(args.reason)
    setup_logging(None, debug=debug)
    loaded = load_config(getattr(args, "config", None))
    setup_logging(loaded.app, debug=debug)
    log = get_logger("pancert.revoke")
    name = loaded.resolve_names([args.profile])[0]
    if name not in loaded.profiles:
        problems = "; ".join(str(p) for p in loaded.problems_for([args.profile]))
        raise UsageError(f"-p {args.profile}: the profile has problems: {problems}")
    state = StateFolder(loaded.state_path)
    ensure_eula(
        state,
        accept_flag=bool(getattr(args, "accept_eula", False)),
        environ=os.environ,
        interactive=sys.stdin.isatty(),
    )
    request = RevokeRequest(
        profile=name,
        reason=args.reason,
        reason_code=code_for_reason,
        remove=args.remove,
        commit_timeout=loaded.app.commit_timeout,
        clock=utcnow,
        sleep=asyncio.sleep,
    )

    async def revoke() -> list[PairRevocation]:
        connections = Connections(loaded)
        try:
            return await revoke_profile(loaded, request, connections)
        finally:
            await connections.aclose()

    log.info("revoke %s: reason %s (%d)%s", name, args.reason, code_for_reason,
             ", remove" if args.remove else "")  # fmt: skip
    with state.lock():
        results = asyncio.run(revoke())
    for result in results:
        mark = "✔" if result.ok else "✘"
        print(redact(f"{mark} {result.profile} on {result.firewall}: {result.message}"))
    code = status_codes.CONVERGED if all(r.ok for r in results) else status_codes.FAILED
    if args.remove or not any(r.ok for r in results):
        return code
    # replace what was revoked: new key, new order, rebind, then delete the revoked object
    rotation = argparse.Namespace(**{**vars(args), "profile": [name], "force": True,
                                     "dry_run": False})  # fmt: skip
    rotated = run_action(rotation, Mode.RENEW)
    waiting = mark_replaced(loaded, name, utcnow())
    if waiting:
        print(
            f"! {name}: the revoked certificate is still bound on {', '.join(waiting)} until "
            f"a replacement is; rerun `pancert revoke -p {name} --reason {args.reason}` "
            "(it does not revoke twice)"
        )
    return max(code, rotated)
