"""``pancert validate``: read everything, print every problem and warning, change nothing.

Exit 2 when any file has a problem, else 0. It takes no lock (it only reads) and reports
whether the licence notice is accepted, so a new cron job never fails silently.
"""

from __future__ import annotations

import argparse
import importlib
import os
from typing import TYPE_CHECKING

from pancert import status_codes

if TYPE_CHECKING:
    from pancert.config import LoadedConfig, ScmCredential

NAME = "validate"
HELP = "check config.yaml and every profile, list every problem (exit 2 when there is one)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-p",
        "--profile",
        action="append",
        metavar="PROFILE",
        help="only this certificate profile (file name in cert_profile_path); repeatable",
    )
    parser.add_argument(
        "--online",
        action="store_true",
        help="also log in to SCM and every firewall and check what a run needs (changes nothing)",
    )


def credential_notes(loaded: LoadedConfig, credential: ScmCredential) -> list[str]:
    """Extra lines about one credential. The SCM package, when present, says which API
    (Enrollment or Admin) pancert will use with it."""
    try:
        scm = importlib.import_module("pancert.scm")
    except ImportError:
        return []
    select_api = getattr(scm, "select_api", None)
    if select_api is None:
        return []
    return [f"uses the {select_api(loaded.app.scm_url, credential)} API"]


def report(loaded: LoadedConfig, names: list[str] | None, *, eula_accepted: bool) -> list[str]:
    """The lines ``validate`` prints, in order (also used by tests)."""
    lines = [f"config: {loaded.config_path}"]
    selected = loaded.select_profiles(names)
    problems = loaded.problems_for(names)
    wanted = loaded.resolve_names(names)
    broken = sorted(n for n in loaded.broken_profiles if n in wanted)
    lines.append(
        f"profiles: {len(selected)} valid"
        + (f" ({', '.join(sorted(selected))})" if selected else "")
        + f", {len(broken)} with problems"
        + (f" ({', '.join(broken)})" if broken else "")
    )
    for label in sorted({p.credential for p in selected.values()}):
        acme = loaded.acme_credentials.get(label)
        if acme is not None:
            eab = "with External Account Binding" if acme.eab_kid else "without EAB"
            lines.append(f"credential {label}: ACME {acme.directory_url} ({eab}, {acme.challenge})")
            continue
        credential = loaded.credentials[label]
        lines.extend(f"credential {label}: {note}" for note in credential_notes(loaded, credential))
    lines.extend(f"warning: {w}" for w in loaded.warnings)
    if eula_accepted:
        lines.append("licence notice: accepted")
    else:
        lines.append(
            "warning: licence notice not accepted: unattended runs will exit 2; "
            "run once with --accept-eula or set PANCERT_ACCEPT_EULA=yes"
        )
    lines.extend(f"problem: {p}" for p in problems)
    lines.append(f"{len(problems)} problem(s)" if problems else "configuration OK")
    return lines


def run(args: argparse.Namespace) -> int:
    from pancert.config import load_config  # imported here to keep --help instant
    from pancert.redaction import redact
    from pancert.state import StateFolder, accepted_by_environment

    loaded = load_config(getattr(args, "config", None))
    state = StateFolder(loaded.state_path)
    if getattr(args, "accept_eula", False) or accepted_by_environment(os.environ):
        state.accept_eula()
    names = args.profile or None
    for line in report(loaded, names, eula_accepted=state.eula_accepted()):
        print(redact(line))
    if loaded.problems_for(names):
        return status_codes.BAD_INPUT
    if args.online:
        from pancert.lifecycle.online import run_online
        from pancert.wiring import Connections

        online = run_online(loaded, names, Connections(loaded))
        for line in online.lines:
            print(redact(line))
        if online.failures:
            print(f"{len(online.failures)} online check(s) failed")
            return status_codes.FAILED
        print("online checks OK")
    return status_codes.CONVERGED
