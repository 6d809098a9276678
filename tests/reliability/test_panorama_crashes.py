"""The crash points of test_crashes.py on the Panorama path: a device rotated through
Panorama (``target=<serial>``) and a template pushed by Panorama, killed at each step
from outside (the sandbox Panorama or firewall SIGKILLs the agent's process group), then
run again until it converges with no order placed twice and no sslId lost."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from pancert.lifecycle.naming import is_rotation_of
from pancert.sandbox.firewall import FirewallSettings, tree
from pancert.sandbox.panorama import TEMPLATE
from pancert.sandbox.panorama.panorama import template_xpath
from pancert.sandbox.world import PANORAMA_PROFILES

from .conftest import Tally
from .harness import Case
from .invariants import crash_problems, journal_records

PROFILES = (
    PANORAMA_PROFILES[0],
    dataclasses.replace(PANORAMA_PROFILES[1], key_type="EC", key_size=256),
)
DEVICE_PAIRS = (("managed", "fw_managed1"), ("managed", "fw_managed2"))

CRASH_POINTS = [
    ("pano", "generate", "before", "enroll"),
    ("pano", "generate", "after", "enroll"),
    ("pano", "export", "after", "enroll"),
    ("pano", "import", "before", "enroll"),
    ("pano", "import", "after", "enroll"),
    ("pano", "config_edit", "after", "enroll"),
    ("pano", "commit", "before", "enroll"),
    ("pano", "commit", "after", "enroll"),
    ("pano", "show_jobs", "before", "enroll"),
    ("fw1", "import", "after", "enroll"),
    ("fw2", "commit", "after", "enroll"),
    ("pano", "config_edit", "after", "renew"),
    ("pano", "config_delete", "after", "renew"),
    ("pano", "commit", "after", "renew"),
]
CI_SUBSET = {"pano-import-after-enroll", "pano-commit-after-enroll", "pano-commit-after-renew"}


def _params() -> list[Any]:
    params: list[Any] = []
    for point in CRASH_POINTS:
        name = "-".join(point)
        params.append(
            pytest.param(point, id=name, marks=() if name in CI_SUBSET else pytest.mark.slow)
        )
    return params


def _template_problems(case: Case) -> list[str]:
    """The template pair deployed; the template holds its object and no other of its own."""
    records, problems = journal_records(case.state)
    record = next(
        (r for r in records if (r.profile, r.firewall) == ("portal", "fw_template")), None
    )
    if record is None or record.current_object is None:
        return [*problems, "portal@fw_template: never deployed"]
    pano = case.world.panorama
    names = [
        str(e.get("name"))
        for e in tree.select(
            pano.candidate, f"{template_xpath(TEMPLATE)}/config/shared/certificate/entry"
        )
    ]
    ours = {n for n in names if is_rotation_of(n, "portal")}
    if record.current_object not in ours:
        problems.append(f"portal: {record.current_object} missing in template {TEMPLATE}")
    problems += [
        f"portal: stray {n} left in template {TEMPLATE}"
        for n in sorted(ours - {record.current_object})
    ]
    for fw in case.firewalls:
        pushed = [
            str(e.get("name"))
            for e in tree.select(fw.running, "/config/shared/certificate/entry")
            if e.get("ptpl")
        ]
        if record.current_object not in pushed:
            problems.append(f"portal: {fw.name} did not receive {record.current_object}")
    return problems


@pytest.mark.parametrize("point", _params())
def test_panorama_crash_then_rerun(
    tmp_path: Path, tally: Tally, point: tuple[str, str, str, str]
) -> None:
    case = Case.start(tmp_path, PROFILES, fw=FirewallSettings(commit_duration_s=0.0))
    case.world.panorama.settings.commit_duration_s = 0.0
    try:
        problems = crash_problems(case, point, DEVICE_PAIRS)
        problems += _template_problems(case)
        for fw in case.firewalls:
            if fw.refused_key_exports:
                problems.append(f"{fw.name}: a private key export was attempted")
    finally:
        case.stop()
    tally.count("crashes")
    tally.violations(problems)
