"""The invariants every reliability case ends with (issue 8, "Invariants after every case").

Each check returns the violations it found as readable strings (empty = holds), so a case
can report all of them at once and the suite can count them for its summary line.
"""

from __future__ import annotations

import re
import signal
import time
from collections import Counter
from pathlib import Path

from pancert.errors import PancertError
from pancert.lifecycle.journal import Journal, PairRecord, Step, parse_ids
from pancert.sandbox.faults import FaultRule
from pancert.sandbox.firewall import Firewall, tree
from pancert.scm.common import request_id_in

from .harness import Case, Result, settle

PROFILE_FOLDER = "profiles"


def journal_records(state: Path) -> tuple[list[PairRecord], list[str]]:
    """Every journal record, and a violation for any that does not parse (never torn)."""
    problems: list[str] = []
    records: list[PairRecord] = []
    journal = Journal(state)
    for path in sorted(journal.folder.glob("*@*.json")) if journal.folder.is_dir() else []:
        profile, _, firewall = path.stem.partition("@")
        try:
            record = journal.load(profile, firewall)
        except PancertError as exc:  # JournalError, or a refused symbolic link
            problems.append(f"journal corrupt: {exc}")
            continue
        if record is not None:
            records.append(record)
    for ids in sorted(state.glob("*.ids")):
        if parse_ids(ids.read_text().strip()) is None:
            problems.append(f"{ids}: .ids file does not parse")
    return records, problems


def _journal_orders(records: list[PairRecord]) -> set[int]:
    ids: set[int] = set()
    for r in records:
        ids.update(i for i in (r.current_order_id,) if i is not None)
        if r.rotation is not None and r.rotation.order_id is not None:
            ids.add(r.rotation.order_id)
        ids.update(a.order_id for a in r.abandoned if a.order_id is not None)
    return ids


def order_problems(case: Case) -> list[str]:
    """One SCM order per rotation (no request id ordered twice) and no lost sslId: every
    order SCM holds is in a journal now or was after an earlier run — or its request id is
    the in-flight ORDER_INTENT that the next run looks up."""
    records, problems = journal_records(case.state)
    known = _journal_orders(records)
    case.seen_orders |= known
    intents = {
        r.rotation.request_id
        for r in records
        if r.rotation is not None and r.rotation.step is Step.ORDER_INTENT
    }
    orders = case.world.scm.orders()
    by_request = Counter(request_id_in(o.comments) for o in orders)
    for request_id, count in by_request.items():
        if count > 1:
            problems.append(f"request {request_id} was ordered {count} times")
    for o in orders:
        if o.id not in case.seen_orders and request_id_in(o.comments) not in intents:
            problems.append(f"order {o.id} ({o.common_name}) is in no journal: sslId lost")
    return problems


def binding_problems(case: Case) -> list[str]:
    """Another admin commits the whole candidate; every use of a certificate must then name
    an entry with a key and a valid certificate (make-before-break at any instant)."""
    problems: list[str] = []
    for firewall in case.firewalls:
        firewall.settle()
        if any(not job.finished for job in firewall.jobs.values()):
            time.sleep(firewall.settings.commit_duration_s)
            firewall.settle()
        firewall.commit_by_other()
        found = tree.binding_problems(firewall.running, time.time())
        problems += [f"{firewall.name}: {p}" for p in found]
    return problems


def made_by_pancert(firewall: Firewall) -> set[str]:
    """The certificate objects on the candidate that an API caller generated or imported,
    from the sandbox's own record (``Firewall.created_by``), never from pancert's naming. In
    a reliability case only pancert holds API keys (the firewall's admin, and Panorama's
    admin when it goes through Panorama); other admins act through the sandbox's side door,
    which creates no certificate."""
    return set().union(*(firewall.created_objects(user) for user in firewall.admins))


def _claims(
    records: list[PairRecord], fw_by_profile: dict[str, list[Firewall]]
) -> dict[tuple[int, str], list[str]]:
    """(firewall, object) -> the pairs whose journal names it as current or kept."""
    claims: dict[tuple[int, str], list[str]] = {}
    for record in records:
        for firewall in fw_by_profile.get(record.firewall, []):
            for name in {record.current_object, *record.kept_superseded} - {None}:
                claims.setdefault((id(firewall), str(name)), []).append(
                    f"{record.profile}@{record.firewall}"
                )
    return claims


def converged_problems(case: Case, pairs: tuple[tuple[str, str], ...]) -> list[str]:
    """After the final run: every pair DEPLOYED, its current object on the firewall with a key
    and certificate, no object claimed by two pairs, and no object pancert made left over
    unless a pair keeps it because something still uses it."""
    records, problems = journal_records(case.state)
    by_pair = {(r.profile, r.firewall): r for r in records}
    standalone = case.world.standalone
    fw_by_profile = {f"fw_sandbox{i}": [fw] for i, fw in enumerate(standalone, start=1)}
    # the same firewalls reached through the sandbox Panorama (device mode)
    fw_by_profile |= {f"fw_managed{i}": [fw] for i, fw in enumerate(standalone, start=1)}
    # an HA pair's objects must be on both peers (the passive one by config sync)
    fw_by_profile |= {f"fw_{p.name}": [p.active, p.passive] for p in case.world.ha_pairs}
    claims = _claims(records, fw_by_profile)
    for (_, name), claimants in sorted(claims.items()):
        if len(set(claimants)) > 1:
            problems.append(f"{name} is claimed by {len(set(claimants))} pairs: {claimants}")
    for profile, fw_name in pairs:
        record = by_pair.get((profile, fw_name))
        if record is None or record.current_object is None:
            problems.append(f"{profile}@{fw_name}: never deployed")
            continue
        if record.rotation is not None and record.rotation.step is not Step.DEPLOYED:
            problems.append(f"{profile}@{fw_name}: still in flight at {record.rotation.step}")
        for firewall in fw_by_profile[fw_name]:
            problems += _objects_problems(firewall, record, profile, f"{fw_name} ({firewall.name})")
    checked = {id(fw): fw for _, f in pairs for fw in fw_by_profile[f]}
    for fw_id, firewall in checked.items():
        claimed = {name for (owner, name) in claims if owner == fw_id}
        for stray in sorted(made_by_pancert(firewall) - claimed):
            problems.append(f"{firewall.name}: stray object {stray} left on the firewall")
    return problems


def _objects_problems(
    firewall: Firewall, record: PairRecord, profile: str, where: str
) -> list[str]:
    problems: list[str] = []
    names = {str(e.get("name")) for e in tree.select(firewall.candidate, "//certificate/entry")}
    if record.current_object not in names:
        problems.append(f"{profile}@{where}: {record.current_object} missing on device")
    for kept in record.kept_superseded:
        if not tree.referrers(firewall.candidate, kept):
            problems.append(f"{profile}@{where}: kept {kept} though nothing uses it")
    return problems


CALL_WORDS: dict[str, str] = {
    "token": r"SCM|token|OAuth|auth",
    "types": r"SCM|type",
    "enroll": r"SCM enroll|enroll",
    "collect": r"SCM collect|collect",
    "list": r"SCM find order|find order|list",
    "details": r"SCM|details",
    "revoke": r"revoke|SCM",
    "ha_state": r"high-availability|HA",
    "config_get": r"PAN-OS",
    "config_show": r"PAN-OS",
    "generate": r"generate",
    "export": r"export",
    "import": r"import",
    "config_set": r"PAN-OS|bind",
    "config_edit": r"PAN-OS|bind",
    "config_delete": r"PAN-OS|delete",
    "commit": r"commit",
    "show_jobs": r"commit|job",
}


def message_problems(result: Result, kind: str) -> list[str]:
    """A failed run names the call that failed, and never shows a traceback."""
    problems: list[str] = []
    if "Traceback" in result.text:
        problems.append(f"traceback in the output: {result.text[-400:]}")
    if result.code != 0 and not re.search(CALL_WORDS[kind], result.text):
        problems.append(f"exit {result.code} without naming {kind}: {result.text[-400:]}")
    return problems


def case_problems(case: Case, pairs: tuple[tuple[str, str], ...], *, converged: bool) -> list[str]:
    """Orders, journal and bindings after any run; objects too once the case converged."""
    problems = order_problems(case)
    if converged:
        problems += converged_problems(case, pairs)
    return problems + binding_problems(case)


def crash_problems(
    case: Case, point: tuple[str, str, str, str], pairs: tuple[tuple[str, str], ...]
) -> list[str]:
    """SIGKILL a run when ``point`` = (target, call kind, before/after, enroll/renew) is
    reached, then rerun until settled: what the invariants find after the crash and after."""
    target, kind, when, scenario = point
    args = ["renew"]
    if scenario == "renew":
        first = case.run("renew")
        assert first.code == 0, first.text
        args = ["renew", "--force"]
    process = case.agent.spawn(*args)
    rule = case.add_fault(
        target,
        FaultRule(kind=kind, fault="kill", pgid=process.pid, when=when),  # type: ignore[arg-type]
    )
    out, err = process.communicate(timeout=300)
    case.clear_faults()
    assert rule.fired == 1, f"{kind} was never called: {case.calls()}"
    assert process.returncode == -signal.SIGKILL, out + err
    problems = case_problems(case, pairs, converged=False)
    final = settle(case)
    if final.code != 0 or "Traceback" in final.text:
        problems.append(f"no convergence after the crash: {final.text[-600:]}")
    return problems + case_problems(case, pairs, converged=True)
