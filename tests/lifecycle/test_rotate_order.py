"""rotate.order, collect and superseded against recording fakes: the order id journalled
(with its renewId, API and time) before anything else, a resumed order looked up instead of
placed twice, what each CA failure leaves in the journal, the collect schedule's edges,
the verified chain recorded, and which objects a rotation may replace."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path

import pytest
from cryptography import x509

from pancert.errors import PancertError
from pancert.lifecycle import rotate
from pancert.lifecycle.failures import NeedsPerson, StepFailed
from pancert.lifecycle.journal import Rotation, Step
from pancert.lifecycle.rotate import Context
from pancert.sandbox.ca import SandboxCA
from pancert.scm.errors import ScmOutcomeUnknown, ScmValidationError
from pancert.scm.models import ApiKind, LookupOutcome, OrderLookup

from .steps_kit import LOGGER, NEW, REQUEST, STARTED, T0, Steps, messages, with_csr

ORDERED = f"web on fw_a: ordered, order id 1000, request id {REQUEST}"


@pytest.fixture
def steps(tmp_path: Path, sandbox_ca: SandboxCA) -> Steps:
    return Steps.make(tmp_path, sandbox_ca)


def saved(steps: Steps) -> Rotation:
    rotation = steps.load().rotation
    assert rotation is not None
    return rotation


# order -----------------------------------------------------------------------------------


def test_an_order_is_placed_and_its_id_journalled(
    steps: Steps, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    steps.ca.renew_id = "renew-1"
    ctx = with_csr(steps, Step.ORDER_INTENT)
    asyncio.run(rotate.order(ctx, resumed=False))
    assert steps.ca.calls == ["enroll"]
    assert steps.ca.enrolled == [ctx.pair.resolved.enroll_for(ctx.rotation.csr_pem or "", REQUEST)]
    rotation = saved(steps)
    assert (rotation.step, rotation.order_id, rotation.renew_id, rotation.api) == (
        Step.ORDERED,
        1000,
        "renew-1",
        "admin",
    )
    assert rotation.ordered_at == T0
    assert steps.journal.steps() == [Step.ORDERED]
    assert messages(caplog) == [(logging.INFO, ORDERED)]


def test_a_resumed_order_found_at_scm_is_recorded_not_placed_again(
    steps: Steps, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    ctx = with_csr(steps, Step.ORDER_INTENT)
    asyncio.run(steps.ca.enroll(ctx.pair.resolved.enroll_for("(csr)", REQUEST)))
    steps.ca.calls.clear()
    steps.ca.api = ApiKind.ENROLLMENT
    steps.ca.renew_id = "not-this"
    asyncio.run(rotate.order(ctx, resumed=True))
    assert steps.ca.calls == ["find_order"]
    assert steps.ca.looked_up == [(REQUEST, "www.example.com", STARTED)]
    rotation = saved(steps)
    assert (rotation.step, rotation.order_id, rotation.renew_id, rotation.api) == (
        Step.ORDERED,
        1000,
        None,
        "enrollment",
    )
    assert rotation.ordered_at == T0
    assert messages(caplog) == [(logging.INFO, ORDERED)]


def test_a_resumed_order_not_found_is_placed_with_the_journalled_csr(steps: Steps) -> None:
    ctx = with_csr(steps, Step.ORDER_INTENT)
    csr = ctx.rotation.csr_pem
    asyncio.run(rotate.order(ctx, resumed=True))
    assert steps.ca.calls == ["find_order", "enroll"]
    assert steps.fw.calls == []
    assert [r.csr_pem for r in steps.ca.enrolled] == [csr]
    assert steps.journal.steps() == [Step.ORDERED]


def test_a_resumed_order_not_found_whose_key_is_gone_starts_from_a_new_csr(steps: Steps) -> None:
    ctx = with_csr(steps, Step.ORDER_INTENT, on_device=False)
    old = ctx.rotation.csr_pem
    asyncio.run(rotate.order(ctx, resumed=True))
    assert steps.fw.calls == ["generate_csr", "export_csr"]
    assert steps.journal.steps() == [
        Step.CSR_INTENT,
        Step.CSR_ON_DEVICE,
        Step.ORDER_INTENT,
        Step.ORDERED,
    ]
    new = steps.fw.candidate.objects[NEW].csr_pem
    assert new != old
    assert [r.csr_pem for r in steps.ca.enrolled] == [new]
    assert saved(steps).csr_pem == new


def test_a_resumed_order_scm_cannot_look_up_needs_a_person(steps: Steps) -> None:
    steps.ca.lookup = OrderLookup(LookupOutcome.UNSUPPORTED)
    ctx = with_csr(steps, Step.ORDER_INTENT)
    with pytest.raises(NeedsPerson) as raised:
        asyncio.run(rotate.order(ctx, resumed=True))
    assert str(raised.value) == (
        f"SCM find order: an earlier run may have ordered request {REQUEST} but this API "
        f"cannot look it up; check SCM for request {REQUEST}, then run `pancert resolve -p "
        "web --firewall fw_a --ssl-id N` (or `--none` if no order exists)"
    )
    assert steps.ca.calls == ["find_order"]
    assert steps.journal.steps() == []


def test_a_failed_look_up_names_the_call(steps: Steps) -> None:
    failure = ScmOutcomeUnknown("connection reset", operation="find")
    steps.ca.failures["find_order"] = failure
    with pytest.raises(StepFailed) as raised:
        asyncio.run(rotate.order(with_csr(steps, Step.ORDER_INTENT), resumed=True))
    assert str(raised.value) == "SCM find order: connection reset"
    assert steps.ca.calls == ["find_order"]


VALIDATION = ScmValidationError(
    code=-1, description="DCV", http_status=400, operation="enroll", domains=("x.example",)
)
UNKNOWN = ScmOutcomeUnknown("read timed out", operation="enroll")
OTHER = PancertError("the state folder is full")


@pytest.mark.parametrize(
    ("failure", "step", "last_error", "saves", "hint"),
    [
        pytest.param(
            UNKNOWN,
            Step.ORDER_INTENT,
            None,
            [],
            "pancert looks the order up by its request id before ordering again",
            id="outcome-unknown-looked-up-next-run",
        ),
        pytest.param(
            VALIDATION,
            Step.CSR_ON_DEVICE,
            "SCM refused the order: validation is missing for x.example; validate in SCM "
            "(code -1: DCV)",
            [Step.CSR_ON_DEVICE],
            "validate the domains (or the organization) in SCM, then run again",
            id="refused-ordered-afresh-next-run",
        ),
        pytest.param(
            OTHER,
            Step.ORDER_INTENT,
            "the state folder is full",
            [Step.ORDER_INTENT],
            None,
            id="anything-else-stays-at-order-intent",
        ),
    ],
)
def test_what_an_enroll_failure_leaves_in_the_journal(  # noqa: PLR0917 - fixture plus the table
    steps: Steps,
    failure: PancertError,
    step: Step,
    last_error: str | None,
    saves: list[Step],
    hint: str | None,
) -> None:
    steps.ca.failures["enroll"] = failure
    with pytest.raises(StepFailed) as raised:
        asyncio.run(rotate.order(with_csr(steps, Step.ORDER_INTENT), resumed=False))
    assert str(raised.value) == f"SCM enroll: {failure}"
    assert (raised.value.cause, raised.value.hint) == (failure, hint)
    assert raised.value.__cause__ is failure
    assert (saved(steps).step, saved(steps).last_error) == (step, last_error)
    assert saved(steps).order_id is None
    assert steps.journal.steps() == saves


# collect ---------------------------------------------------------------------------------


def ordered(steps: Steps, **settings: object) -> Context:
    ctx = with_csr(steps, Step.ORDER_INTENT)
    asyncio.run(rotate.order(ctx, resumed=False))
    steps.journal.saves.clear()
    return Context(
        ctx.pair,
        ctx.record,
        ctx.journal,
        ctx.fw,
        steps.settings(**settings),
        ctx.inventory,
    )


def test_an_issued_chain_is_verified_and_journalled(
    steps: Steps, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = ordered(steps, sleep_download=3.0, collect_timeout=300.0)
    caplog.set_level(logging.INFO, logger=LOGGER)
    assert asyncio.run(rotate.collect(ctx, first_wait=True)) is True
    assert steps.sleeps == [3.0]
    (issued,) = steps.ca.issued
    rotation = saved(steps)
    assert rotation.chain_pem == ["".join(issued.certificates_pem)]
    assert (rotation.step, rotation.last_error) == (Step.ISSUED, None)
    assert steps.journal.steps() == [Step.ISSUED]
    leaf = x509.load_pem_x509_certificate(issued.certificates_pem[0].encode())
    assert messages(caplog) == [
        (
            logging.INFO,
            f"web on fw_a: issued, serial {leaf.serial_number:x}, not after "
            f"{leaf.not_valid_after_utc:%Y-%m-%d %H:%M}",
        )
    ]


def test_a_later_collect_does_not_wait_first(steps: Steps) -> None:
    ctx = ordered(steps, sleep_download=3.0, collect_timeout=300.0)
    assert asyncio.run(rotate.collect(ctx, first_wait=False)) is True
    assert steps.sleeps == []


def test_the_first_wait_never_exceeds_the_budget(steps: Steps) -> None:
    steps.ca.pending = True
    ctx = ordered(steps, sleep_download=10.0, collect_timeout=4.0)
    assert asyncio.run(rotate.collect(ctx, first_wait=True)) is False
    assert steps.sleeps == [4.0]
    assert steps.ca.calls.count("collect") == 1


def test_a_wait_that_ends_exactly_at_the_budget_is_taken(steps: Steps) -> None:
    steps.ca.answers = ["Applied", "Applied", "Applied"]
    ctx = ordered(steps, sleep_download=1.0, collect_timeout=6.0)
    assert asyncio.run(rotate.collect(ctx, first_wait=True)) is False
    assert steps.sleeps == [1.0, 5.0]
    assert steps.ca.calls.count("collect") == 2


def test_pending_since_is_journalled_once(steps: Steps) -> None:
    steps.ca.pending = True
    ctx = ordered(steps, collect_timeout=0.0)
    assert asyncio.run(rotate.collect(ctx, first_wait=False)) is False
    assert (saved(steps).step, saved(steps).pending_since) == (Step.ORDERED, T0)
    assert steps.journal.steps() == [Step.ORDERED]
    later = Context(
        ctx.pair,
        ctx.record,
        ctx.journal,
        ctx.fw,
        steps.settings(clock=lambda: T0 + dt.timedelta(hours=1), collect_timeout=0.0),
        ctx.inventory,
    )
    assert asyncio.run(rotate.collect(later, first_wait=False)) is False
    assert saved(steps).pending_since == T0
    assert steps.journal.steps() == [Step.ORDERED]


def test_a_chain_that_does_not_verify_is_not_recorded(steps: Steps) -> None:
    ctx = ordered(steps, anchors=[])
    with pytest.raises(StepFailed) as raised:
        asyncio.run(rotate.collect(ctx, first_wait=False))
    cause = raised.value.cause
    assert cause is not None
    assert str(raised.value) == f"verify order 1000: {cause}"
    assert raised.value.__cause__ is cause
    assert (saved(steps).step, saved(steps).last_error) == (Step.ORDERED, str(cause))
    assert saved(steps).chain_pem == []


def test_a_failed_collect_names_the_call(steps: Steps) -> None:
    ctx = ordered(steps)
    steps.ca.failures["collect"] = UNKNOWN
    with pytest.raises(StepFailed) as raised:
        asyncio.run(rotate.collect(ctx, first_wait=False))
    assert str(raised.value) == "SCM collect: read timed out"


# superseded ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("replaces", "owned", "kept", "expected"),
    [
        pytest.param("web", ["web", NEW], {}, ["web"], id="the-current-object"),
        pytest.param(
            "web",
            ["web-3aaaaaaa", "web", NEW],
            {"web-4bbbbbbb": ["/config/x"]},
            ["web", "web-3aaaaaaa", "web-4bbbbbbb"],
            id="every-journalled-one-once-in-order",
        ),
        pytest.param("web-5ccccccc", [], {}, [], id="not-journalled-never"),
        pytest.param(None, [NEW], {}, [], id="nothing-but-itself"),
    ],
)
def test_a_rotation_replaces_only_what_its_journal_names(
    steps: Steps,
    replaces: str | None,
    owned: list[str],
    kept: dict[str, list[str]],
    expected: list[str],
) -> None:
    ctx = with_csr(steps, Step.IMPORTED, replaces=replaces)
    ctx.record.current_object = None
    ctx.record.owned_objects = owned
    ctx.record.kept_superseded = kept
    assert rotate.superseded(ctx) == expected
