"""rotate.py step by step, against recording fakes: each step's journal transitions (every
save, in order, and what was on disk when the firewall was called), the calls it makes and
does not make, the order's bookkeeping, and the messages and log lines a person reads."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

import pytest

from pancert.lifecycle import rotate
from pancert.lifecycle.failures import StepFailed
from pancert.lifecycle.journal import AbandonedOrder, Rotation, Step
from pancert.panos.errors import BusyError
from pancert.panos.models import SHARED
from pancert.sandbox.ca import SandboxCA

from .fakes import FakeObject
from .steps_kit import LOGGER, NEW, REQUEST, T0, Steps, messages, rotating, with_csr

SUFFIXED = re.compile(r"^web-[2-7][a-z2-7]{7}$")


@pytest.fixture
def steps(tmp_path: Path, sandbox_ca: SandboxCA) -> Steps:
    return Steps.make(tmp_path, sandbox_ca)


def run(step: object) -> None:
    asyncio.run(step)  # type: ignore[arg-type]


# Context --------------------------------------------------------------------------------


def test_a_rotation_step_without_a_rotation_is_a_bug_named_as_such(steps: Steps) -> None:
    ctx = rotating(steps, None)
    with pytest.raises(AssertionError, match=r"^a rotation step runs only while in flight$"):
        _ = ctx.rotation


def test_the_context_saves_with_the_runs_clock_and_sleeps_its_sleep(steps: Steps) -> None:
    ctx = rotating(steps, Step.CSR_INTENT)
    ctx.record.current_object = "web-3aaaaaaa"
    run(ctx.save())
    assert steps.load().updated_at == T0
    assert steps.load().current_object == "web-3aaaaaaa"
    run(ctx.sleep(2.5))
    assert steps.sleeps == [2.5]


# start_rotation, abandon ---------------------------------------------------------------


def test_the_first_rotation_takes_the_profiles_name(
    steps: Steps, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    ctx = rotating(steps, None)
    ctx.record.current_object = None
    rotation = asyncio.run(rotate.start_rotation(ctx, "enroll"))
    assert rotation == Rotation(
        step=Step.CSR_INTENT,
        object_name="web",
        request_id=rotation.request_id,
        reason="enroll",
        started_at=T0,
        profile_hash=ctx.pair.wanted.content_hash,
        replaces=None,
    )
    assert re.fullmatch("[0-9a-f]{32}", rotation.request_id)
    assert steps.load().rotation == rotation
    assert messages(caplog) == [
        (logging.INFO, "web on fw_a: rotation started (enroll), new object web")
    ]


def test_a_later_rotation_takes_a_fresh_suffixed_name(steps: Steps) -> None:
    ctx = rotating(steps, None)  # current object web, not on the firewall
    rotation = asyncio.run(rotate.start_rotation(ctx, "in-window"))
    assert SUFFIXED.match(rotation.object_name)
    assert rotation.replaces == "web"


def test_an_object_of_the_profiles_name_is_never_taken_over(steps: Steps) -> None:
    steps.fw.candidate.objects["web"] = FakeObject(certificate_pem="(someone's)")
    ctx = rotating(steps, None)
    ctx.record.current_object = None
    rotation = asyncio.run(rotate.start_rotation(ctx, "enroll"))
    assert SUFFIXED.match(rotation.object_name)
    assert rotation.replaces is None


def test_an_abandoned_order_is_kept_and_a_new_rotation_begins(
    steps: Steps, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    ctx = rotating(steps, Step.ORDERED, order_id=1000)
    asyncio.run(rotate.abandon(ctx, "the CSR entry vanished"))
    saved = steps.load()
    assert saved.abandoned == [
        AbandonedOrder(
            order_id=1000, request_id=REQUEST, object_name=NEW, at=T0, why="the CSR entry vanished"
        )
    ]
    assert saved.rotation is not None
    assert (saved.rotation.step, saved.rotation.reason) == (Step.CSR_INTENT, "in-window")
    assert saved.rotation.request_id != REQUEST
    assert saved.rotation.order_id is None
    name = saved.rotation.object_name
    assert messages(caplog) == [
        (logging.WARNING, "web on fw_a: order 1000 abandoned: the CSR entry vanished"),
        (logging.INFO, f"web on fw_a: rotation started (in-window), new object {name}"),
    ]


# prepare_csr ---------------------------------------------------------------------------


def test_a_new_csr_is_generated_exported_and_journalled(steps: Steps) -> None:
    ctx = rotating(steps, Step.CSR_INTENT)
    run(rotate.prepare_csr(ctx))
    assert steps.fw.generated == [(ctx.pair.resolved.csr_for(NEW), SHARED)]
    assert steps.fw.exported == [(NEW, SHARED)]
    assert steps.fw.calls_with_disk() == [
        ("generate_csr", Step.CSR_INTENT),
        ("export_csr", Step.CSR_INTENT),
    ]
    assert steps.journal.steps() == [Step.CSR_ON_DEVICE, Step.ORDER_INTENT]
    saved = steps.load().rotation
    assert saved is not None
    assert saved.csr_pem == steps.fw.candidate.objects[NEW].csr_pem
    assert saved.csr_pem is not None
    assert "BEGIN CERTIFICATE REQUEST" in saved.csr_pem


def test_a_csr_generated_before_a_crash_is_exported_not_generated_again(steps: Steps) -> None:
    ctx = with_csr(steps, Step.CSR_INTENT, csr_pem=None)
    run(rotate.prepare_csr(ctx))
    assert steps.fw.calls == ["export_csr"]
    assert steps.journal.steps() == [Step.CSR_ON_DEVICE, Step.ORDER_INTENT]


def test_a_journalled_csr_on_the_device_is_reused(steps: Steps) -> None:
    ctx = with_csr(steps, Step.CSR_ON_DEVICE)
    csr = ctx.rotation.csr_pem
    run(rotate.prepare_csr(ctx))
    assert steps.fw.calls == []
    assert steps.journal.steps() == [Step.ORDER_INTENT]
    assert steps.load().rotation.csr_pem == csr  # type: ignore[union-attr]


def test_a_csr_whose_entry_vanished_is_made_again(steps: Steps) -> None:
    ctx = rotating(steps, Step.CSR_ON_DEVICE, csr_pem="(the reverted one)")
    run(rotate.prepare_csr(ctx))
    assert steps.fw.calls == ["generate_csr", "export_csr"]
    assert steps.journal.steps() == [Step.CSR_INTENT, Step.CSR_ON_DEVICE, Step.ORDER_INTENT]
    assert steps.load().rotation.csr_pem == steps.fw.candidate.objects[NEW].csr_pem  # type: ignore[union-attr]


def test_order_intent_is_left_to_order(steps: Steps) -> None:
    ctx = rotating(steps, Step.ORDER_INTENT, csr_pem="(journalled)", profile_hash="an older hash")
    run(rotate.prepare_csr(ctx))
    assert steps.fw.calls == []
    assert steps.journal.steps() == []


@pytest.mark.parametrize("entry", ["pending", "signed", "absent"])
def test_a_profile_change_discards_the_unordered_csr(
    steps: Steps, caplog: pytest.LogCaptureFixture, entry: str
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    if entry == "signed":
        steps.fw.candidate.objects[NEW] = FakeObject(certificate_pem="(signed)")
    ctx = (with_csr if entry == "pending" else rotating)(
        steps, Step.CSR_ON_DEVICE, profile_hash="an older hash"
    )
    run(rotate.prepare_csr(ctx))
    deleted = [(NEW, SHARED)] if entry == "pending" else []
    assert steps.fw.deleted == deleted
    assert (NEW in steps.fw.candidate.objects) is (entry == "signed")
    assert (NEW in ctx.inventory) is (entry == "signed")
    saved = steps.load().rotation
    assert saved is not None
    assert (saved.step, saved.reason) == (Step.ORDER_INTENT, "in-window")
    assert saved.profile_hash == ctx.pair.wanted.content_hash
    assert saved.object_name != NEW
    assert saved.csr_pem == steps.fw.candidate.objects[saved.object_name].csr_pem
    assert messages(caplog) == [
        (
            logging.INFO,
            "web on fw_a: unordered CSR web-2abcdefg discarded: the profile changed before "
            "the CSR was ordered",
        ),
        (
            logging.INFO,
            f"web on fw_a: rotation started (in-window), new object {saved.object_name}",
        ),
    ]


@pytest.mark.parametrize(
    ("operation", "call", "step"),
    [
        ("generate_csr", "PAN-OS generate certificate", Step.CSR_INTENT),
        ("export_csr", "PAN-OS export CSR", Step.CSR_INTENT),
        ("delete_certificate", "PAN-OS delete certificate", Step.CSR_ON_DEVICE),
    ],
)
def test_a_firewall_failure_names_the_call(
    steps: Steps, operation: str, call: str, step: Step
) -> None:
    ctx = (
        with_csr(steps, step, profile_hash="an older hash")
        if step is Step.CSR_ON_DEVICE
        else (rotating(steps, step))
    )
    steps.fw.failures[operation] = BusyError(13, ("busy",))
    with pytest.raises(StepFailed) as raised:
        run(rotate.prepare_csr(ctx))
    assert str(raised.value) == f"{call}: PAN-OS error 13: busy"
    assert (
        raised.value.hint
        == "the firewall is busy with another commit or sync; the next run retries"
    )
