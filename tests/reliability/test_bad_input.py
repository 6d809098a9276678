"""The bad-input corpus through the real CLI: ``validate``, then ``renew``.

Each case asserts the documented exit code, a message naming the file and field (or the
call), no traceback, nothing half-written (every configuration file hashes the same before
and after), and that the good profile beside the broken one still converges in that run.
A certificate that fails verification is never imported or committed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pancert.lifecycle.naming import is_rotation_of
from pancert.sandbox.firewall import tree

from .conftest import Tally
from .corpus import BAD, CORPUS, GOOD, Bad
from .harness import Case, file_hashes
from .invariants import binding_problems, journal_records, order_problems
from .tampering import MisIssuingCA

CI_SUBSET = {
    "profile-key-type-dsa",
    "yaml-syntax",
    "duplicate-binding",
    "fw-http",
    "config-scm-http",
    "wrong-api-key",
    "cert-other-key",
    "cert-untrusted-chain",
    "binding-quote",
    "fw-bundle-key",
    "yaml-alias-bomb",
}


@pytest.fixture
def world_case(tmp_path: Path) -> Iterator[Case]:
    started = Case.start(tmp_path, (GOOD,), firewalls=1)
    try:
        yield started
    finally:
        started.stop()


def _apply(case: Case, bad: Bad) -> None:
    profiles = case.config_folder / "profiles"
    for name, content in bad.files.items():
        path = profiles / name
        if content is None:
            path.unlink()
            continue
        text = content(case) if callable(content) else content
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
    if bad.tamper:
        store: Any = case.world.scm.store
        store._ca = MisIssuingCA(store._ca, bad.tamper, BAD.common_name)


def _config_hashes(case: Case) -> dict[str, str]:
    return {
        k: v
        for k, v in file_hashes(case.config_folder).items()
        if not k.startswith(("state/", "logs/", "ca/"))
    }


def _problems(case: Case, bad: Bad) -> list[str]:
    problems: list[str] = []
    before = _config_hashes(case)
    validate = case.run("validate", *bad.args)
    expected_validate = bad.validate_code if bad.validate_code is not None else 0
    if bad.code == 2 and bad.validate_code is None:
        expected_validate = 2
    if validate.code != expected_validate:
        problems.append(f"validate exit {validate.code}, not {expected_validate}")
    if expected_validate == 2 and not re.search(bad.names, validate.text, re.S):
        problems.append(f"validate does not name {bad.names!r}")
    renew = case.run("renew", *bad.args)
    if renew.code != bad.code:
        problems.append(f"renew exit {renew.code}, not {bad.code}")
    if not re.search(bad.names, renew.text, re.S):
        problems.append(f"renew does not name {bad.names!r}")
    for result in (validate, renew):
        if "Traceback" in result.text:
            problems.append("traceback without --debug")
    if _config_hashes(case) != before:
        problems.append("a configuration file changed")
    if bad.good and "good on fw_sandbox1: converged" not in renew.text:
        problems.append("the good profile did not converge in the same run")
    records, journal = journal_records(case.state)
    problems += journal
    if bad.code == 2 and any(r.profile == bad.never for r in records):
        problems.append("a journal record was written for a profile that is bad input")
    problems += order_problems(case)
    if bad.never:
        problems += _never_installed(case, bad.never)
    problems += binding_problems(case)
    return [f"{p}\n--- validate:\n{validate.text}\n--- renew:\n{renew.text}" for p in problems]


def _never_installed(case: Case, profile: str) -> list[str]:
    """No object of the bad profile ever holds a certificate, in candidate or running."""
    problems = []
    for firewall in case.firewalls:
        for root in (firewall.candidate, firewall.running):
            for entry in tree.select(root, "//certificate/entry"):
                name = str(entry.get("name"))
                if is_rotation_of(name, profile) and entry.find("public-key") is not None:
                    problems.append(f"{firewall.name}: {name} holds a certificate")
    return problems


@pytest.mark.parametrize(
    "bad",
    [pytest.param(b, id=b.id, marks=() if b.id in CI_SUBSET else pytest.mark.slow) for b in CORPUS],
)
def test_bad_input(world_case: Case, tally: Tally, bad: Bad) -> None:
    _apply(world_case, bad)
    problems = _problems(world_case, bad)
    tally.count("bad_inputs")
    tally.violations(problems)


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 60
    assert len({b.id for b in CORPUS}) == len(CORPUS)
