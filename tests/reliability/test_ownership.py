"""pancert touches only what it can prove is its own.

A firewall holds objects that look like a profile's: a person's ``web-internal`` bound to
GlobalProtect, a sibling profile's ``web-frontend``, a ``web`` for another host name. With a
fresh state folder, a renewal of ``web`` must leave every one of them where it is, still
bound where it was, and say so; only the Sectigo agent's object (exact name, the profile's
CN and SANs) is adopted and replaced. Journals written by earlier versions keep the objects
pancert created and lose the ones it only guessed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pancert.sandbox.firewall import Firewall, tree
from pancert.sandbox.world import ProfileSpec

from .conftest import Tally
from .harness import Case
from .invariants import binding_problems, order_problems

WEB = ProfileSpec(
    name="web",
    common_name="www.example.com",
    sans=("api.example.com",),
    key_type="EC",
    key_size=256,
    bindings=(("ssl_tls_service_profile", "web-tls"),),
)
FRONTEND = ProfileSpec(
    name="web-frontend", common_name="front.example.com", key_type="EC", key_size=256
)


@pytest.fixture
def web_case(tmp_path: Path) -> Iterator[Case]:
    started = Case.start(tmp_path, (WEB,), firewalls=1)
    try:
        yield started
    finally:
        started.stop()


def _names(firewall: Firewall, root_name: str = "candidate") -> set[str]:
    root = getattr(firewall, root_name)
    return {str(e.get("name")) for e in tree.select(root, "//certificate/entry")}


def _left_alone(case: Case, names: dict[str, str]) -> list[str]:
    """Each foreign object still exists (candidate and running) and is still used by the
    reference it had; name → the xpath that used it."""
    firewall = case.firewalls[0]
    problems = []
    for name, xpath in names.items():
        for root in ("candidate", "running"):
            if name not in _names(firewall, root):
                problems.append(f"foreign {name} was deleted from the {root} configuration")
        users = tree.referrers(firewall.candidate, name)
        if xpath and not any(xpath.startswith(u) or u.startswith(xpath) for u in users):
            problems.append(f"foreign {name} is no longer used by {xpath}: {users}")
    return problems


def _report(case: Case, tally: Tally, problems: list[str]) -> None:
    problems = problems + order_problems(case) + binding_problems(case)
    tally.count("ownership")
    runs = "\n".join(f"--- run exit {r.code}:\n{r.text}" for r in case.results)
    tally.violations([f"{p}\n{runs}" for p in problems])


def test_a_persons_look_alike_object_is_foreign_whatever_its_name(
    web_case: Case, tally: Tally
) -> None:
    firewall = web_case.firewalls[0]
    firewall.seed_certificate("web-internal", location="vsys1", common_name="intranet.example.org")
    gp = firewall.set_reference("global_protect", "web-internal")
    firewall.seed_certificate("web-2abcdefg", location="vsys1", common_name="www.example.com")
    result = web_case.run("renew", "-p", "web")
    problems = [] if result.code == 0 else [f"renew exit {result.code}"]
    problems += _left_alone(web_case, {"web-internal": gp, "web-2abcdefg": ""})
    for name in ("web-internal", "web-2abcdefg"):
        if f"{name} is not pancert's" not in result.text:
            problems.append(f"{name} not reported as foreign")
    _report(web_case, tally, problems)


@pytest.mark.slow
def test_a_web_object_for_another_host_is_foreign(web_case: Case, tally: Tally) -> None:
    """Named exactly like the profile, but its CN is not the profile's: not the Sectigo
    agent's object for this profile, so it is neither adopted, rebound from, nor deleted."""
    firewall = web_case.firewalls[0]
    firewall.seed_certificate("web", location="vsys1", common_name="intranet.example.org")
    gp = firewall.set_reference("global_protect", "web")
    result = web_case.run("renew", "-p", "web")
    problems = [] if result.code == 0 else [f"renew exit {result.code}"]
    problems += _left_alone(web_case, {"web": gp})
    if "web is not pancert's" not in result.text:
        problems.append("web not reported as foreign")
    _report(web_case, tally, problems)


@pytest.mark.slow
def test_a_web_object_missing_a_san_is_foreign(web_case: Case, tally: Tally) -> None:
    firewall = web_case.firewalls[0]
    firewall.seed_certificate(
        "web", location="vsys1", common_name="www.example.com", dns_names=("www.example.com",)
    )
    result = web_case.run("renew", "-p", "web")
    problems = [] if result.code == 0 else [f"renew exit {result.code}"]
    problems += _left_alone(web_case, {"web": ""})
    _report(web_case, tally, problems)


@pytest.mark.slow
def test_a_sibling_profiles_object_is_never_taken(tmp_path: Path, tally: Tally) -> None:
    """``web-frontend`` is a profile of its own. Once it is deployed, ``web`` running for the
    first time (fresh journal for web) must not adopt, rebind or delete it."""
    case = Case.start(tmp_path, (FRONTEND,), firewalls=1)
    try:
        first = case.run("renew")
        problems = [] if first.code == 0 else [f"web-frontend renew exit {first.code}"]
        frontend = json.loads(
            (case.state / "journal" / "web-frontend@fw_sandbox1.json").read_text()
        )
        gp = case.firewalls[0].set_reference("global_protect", frontend["current_object"])
        case.world.write_configuration((FRONTEND, WEB), sectigo_sleep_download=0)
        second = case.run("renew", "-p", "web")
        if second.code != 0:
            problems.append(f"web renew exit {second.code}")
        problems += _left_alone(case, {frontend["current_object"]: gp})
        _report(case, tally, problems)
    finally:
        case.stop()


@pytest.mark.slow
def test_the_sectigo_agents_object_is_adopted_and_replaced(web_case: Case, tally: Tally) -> None:
    """Exact name, the profile's CN and SANs: the agent's object, adopted, then replaced by
    make-before-break (rebound away from and deleted) on a forced renewal."""
    firewall = web_case.firewalls[0]
    firewall.seed_certificate(
        "web",
        location="vsys1",
        common_name="www.example.com",
        dns_names=("www.example.com", "api.example.com"),
    )
    firewall.set_reference("ssl_tls_service_profile", "web")
    result = web_case.run("renew", "-p", "web", "--force")
    problems = [] if result.code == 0 else [f"renew exit {result.code}"]
    record = json.loads((web_case.state / "journal" / "web@fw_sandbox1.json").read_text())
    if "web" in _names(firewall):
        problems.append("the adopted agent object was not replaced")
    if record["current_object"] == "web" or record["current_object"] not in _names(firewall):
        problems.append(f"current object {record['current_object']} is not the new one")
    _report(web_case, tally, problems)


def _v1_record(current: str, *, order_id: int | None, rotated: bool) -> dict[str, object]:
    record: dict[str, object] = {
        "version": 1,
        "profile": "web",
        "firewall": "fw_sandbox1",
        "current_object": current,
        "current_order_id": order_id,
        "owned_objects": [current],
    }
    if rotated:
        record["rotation"] = {
            "step": "DEPLOYED",
            "object_name": current,
            "request_id": "0" * 32,
            "reason": "missing",
            "started_at": "2026-01-01T00:00:00Z",
            "profile_hash": "x",
            "order_id": order_id,
        }
    return record


def _write_v1(case: Case, record: dict[str, object]) -> None:
    folder = case.state / "journal"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    (folder / "web@fw_sandbox1.json").write_text(json.dumps(record))


@pytest.mark.slow
def test_a_version_1_journal_keeps_what_pancert_created(web_case: Case, tally: Tally) -> None:
    """An object created under the earlier naming rule (8 letters) stays pancert's: the
    next forced rotation moves its uses to a new-rule object and deletes it."""
    firewall = web_case.firewalls[0]
    firewall.seed_certificate(
        "web-abcdefgh",
        location="vsys1",
        common_name="www.example.com",
        dns_names=("www.example.com",),
    )
    firewall.set_reference("ssl_tls_service_profile", "web-abcdefgh")
    _write_v1(web_case, _v1_record("web-abcdefgh", order_id=1, rotated=True))
    result = web_case.run("renew", "-p", "web", "--force")
    problems = [] if result.code == 0 else [f"renew exit {result.code}"]
    if "web-abcdefgh" in _names(firewall):
        problems.append("pancert's own earlier object was not retired")
    _report(web_case, tally, problems)


def test_a_version_1_journal_forgets_what_it_only_guessed(web_case: Case, tally: Tally) -> None:
    """The earlier adoption took ``web-internal`` by its shape (no rotation, no order id):
    that guess is dropped, and the object is left alone."""
    firewall = web_case.firewalls[0]
    firewall.seed_certificate("web-internal", location="vsys1", common_name="intranet.example.org")
    gp = firewall.set_reference("global_protect", "web-internal")
    _write_v1(web_case, _v1_record("web-internal", order_id=None, rotated=False))
    result = web_case.run("renew", "-p", "web")
    problems = [] if result.code == 0 else [f"renew exit {result.code}"]
    problems += _left_alone(web_case, {"web-internal": gp})
    _report(web_case, tally, problems)
