"""The tight bound's arithmetic (bench/README.md's worked examples), as pure functions."""

from __future__ import annotations

import pytest
from bench.presets import FAST, REALISTIC, Preset, rotation_bound


@pytest.mark.parametrize(
    ("preset", "firewalls", "scm_s", "firewall_s", "bound_s"),
    [
        # SCM: (2 x 1000 - 100) / 100 = 19 s + tail 0.025 + 3 x 0.01 + 5 + 0.01 = 5.065 s;
        # firewall: 0.01 + (4 x 0.17 + 0.045) + 0.025 + 2.5 + 0.025 + 0.03 + 5 + 0.01
        pytest.param(FAST.scaled(0.5), 200, 24.065, 8.325, 24.065, id="fast-x0.5-1000"),
        pytest.param(FAST.scaled(0.5), 20, 6.065, 8.325, 8.325, id="fast-x0.5-100"),
        pytest.param(FAST.scaled(0.5), 2, 5.065, 8.325, 8.325, id="fast-x0.5-10-burst"),
        pytest.param(FAST.scaled(0.5), 1000, 104.065, 8.325, 104.065, id="fast-x0.5-5000"),
        pytest.param(FAST, 200, 49.13, 16.65, 49.13, id="fast-1000"),
        # 2000 - 50 = 1950 / 50 = 39 s + 0.05 + 0.45 + 90 + 0.15
        pytest.param(REALISTIC, 200, 129.65, 101.775, 129.65, id="realistic-1000"),
        pytest.param(REALISTIC, 2, 90.65, 101.775, 101.775, id="realistic-10"),
    ],
)
def test_worked_examples(
    preset: Preset, firewalls: int, scm_s: float, firewall_s: float, bound_s: float
) -> None:
    bound = rotation_bound(preset, firewalls, 5)
    assert bound.scm_s == pytest.approx(scm_s)
    assert bound.firewall_s == pytest.approx(firewall_s)
    assert bound.seconds == pytest.approx(bound_s)
    assert bound.arithmetic[-1].startswith("bound = max(")
    assert bound.arithmetic[-1].endswith(f") = {bound.seconds:.2f} s")


def test_each_being_processed_answer_owed_is_one_more_call_per_order() -> None:
    owed = rotation_bound(Preset(**{**vars(FAST), "pending_collects": 1}), 200, 5)
    assert owed.scm_s == pytest.approx((3000 - 50) / 50 + 10.13)
    assert "3 per order" in owed.arithmetic[0]


def test_installs_that_outlast_the_issuance_wait_lengthen_the_chain() -> None:
    slow_calls = Preset(**{**vars(FAST), "call_s": 1.0, "dv_issue_s": 0.5})
    bound = rotation_bound(slow_calls, 1, 5)
    # the other 4 certificates' 12 calls (12 s) outlast enroll + issuance + collect (0.6 s)
    assert bound.firewall_s == pytest.approx(
        1.0 + (4 * 2.3 + 2.05) + 0.6 + (12 - 0.6) + 3.0 + 10.0 + 1.0
    )
    assert "exceed" in bound.arithmetic[2]
