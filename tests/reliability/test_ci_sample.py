"""``make test`` runs a deterministic sample of the reliability suite (the cases each module
lists in ``CI_SUBSET``; the rest are marked slow and run under ``make reliability``). The
sample must hold at least one case of every class, so a regression in any failure path is
caught before the long run: every fault type, target and timing; every crash-point class
(service, before or after the call, first enrollment or renewal); every bad-input family.
"""

from __future__ import annotations

from . import corpus, test_bad_input, test_crashes, test_faults


def _missing(classes: dict[object, set[str]], sample: set[str]) -> list[object]:
    return sorted((c for c, ids in classes.items() if not ids & sample), key=str)


def test_the_sample_names_only_real_cases() -> None:
    assert {f.id for f in test_faults._matrix()} >= test_faults.CI_SUBSET
    crash_ids = {"-".join(p[:3]) for p in test_crashes.CRASH_POINTS}
    assert crash_ids >= test_crashes.CI_SUBSET
    assert {b.id for b in corpus.CORPUS} >= test_bad_input.CI_SUBSET


def test_every_fault_class_is_sampled() -> None:
    classes: dict[object, set[str]] = {}
    for fault in test_faults._matrix():
        for key in (
            ("fault", fault.fault),
            ("target", fault.target),
            ("when", fault.when),
            ("scenario", fault.scenario),
        ):
            classes.setdefault(key, set()).add(fault.id)
    assert len([k for k in classes if k[0] == "fault"]) >= 6  # type: ignore[index]
    assert _missing(classes, test_faults.CI_SUBSET) == []


def test_every_crash_point_class_is_sampled() -> None:
    classes: dict[object, set[str]] = {}
    for target, _kind, when, scenario in test_crashes.CRASH_POINTS:
        service = "scm" if target == "scm" else "firewall"
        point = "-".join((target, _kind, when))
        for key in ((service, when, scenario), ("target", target)):
            classes.setdefault(key, set()).add(point)
    assert len(classes) >= 8
    assert _missing(classes, test_crashes.CI_SUBSET) == []


def test_every_bad_input_family_is_sampled() -> None:
    families = {
        "field": corpus._field_cases(),
        "file": corpus._file_cases(),
        "config": corpus._config_cases(),
        "runtime": corpus._runtime_cases(),
        "hostile": corpus._hostile_cases(),
    }
    classes: dict[object, set[str]] = {k: {b.id for b in v} for k, v in families.items()}
    assert sum(len(v) for v in families.values()) == len(corpus.CORPUS)
    assert _missing(classes, test_bad_input.CI_SUBSET) == []
