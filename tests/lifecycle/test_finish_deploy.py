"""finish.deploy: after the commit, the running configuration decides (one read for the
firewall), then DEPLOYED is recorded — every journal field, the Sectigo agent's .ids file,
what happens to the superseded order at SCM, and what is logged."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from pancert.errors import PancertError
from pancert.lifecycle import finish
from pancert.lifecycle.journal import PairRecord, SeenCertificate, Step
from pancert.lifecycle.rotate import Context
from pancert.panos.errors import BusyError
from pancert.sandbox.ca import SandboxCA
from pancert.scm.errors import ScmServerError

from .fakes import FakeObject
from .steps_kit import LOGGER, NEW, T0, Steps, messages

DEPLOYED = (logging.INFO, "web on fw_a: deployed web-2abcdefg (order 1001)")
BOUND = [{"ssl_tls_service_profile": "web-tls"}]


@pytest.fixture
def steps(tmp_path: Path, sandbox_ca: SandboxCA) -> Steps:
    return Steps.make(tmp_path, sandbox_ca)


class Report:
    """The executor's two callbacks, recorded."""

    def __init__(self) -> None:
        self.done: list[tuple[str, str]] = []
        self.failed: list[tuple[list[str], str, str | None]] = []

    def finished(self, ctx: Context, message: str) -> None:
        self.done.append((ctx.pair.profile.name, message))

    async def fail_all(self, contexts: list[Context], error: PancertError) -> None:
        self.failed.append(([c.pair.profile.name for c in contexts], str(error), error.hint))


def deploy(steps: Steps, contexts: list[Context]) -> Report:
    report = Report()
    asyncio.run(finish.deploy(steps.fw, contexts, report.finished, report.fail_all))
    return report


def rotating(steps: Steps, record: PairRecord | None = None, **rotation: Any) -> Context:
    """web, rotating to web-2abcdefg (used by web-tls), committed."""
    pair = steps.pair(paloalto_bindings=BOUND)
    record = record or PairRecord(profile="web", firewall="fw_a", current_object="web")
    record.rotation = steps.imported(pair, **rotation)
    steps.fw.candidate.profiles["web-tls"] = NEW
    ctx = steps.context(pair, record)
    steps.commit_candidate()
    return ctx


def other(steps: Steps) -> Context:
    """api, rotating to api-2abcdefg, committed."""
    pair = steps.pair(name="api")
    record = PairRecord(profile="api", firewall="fw_a")
    record.rotation = steps.imported(pair, "api-2abcdefg")
    ctx = steps.context(pair, record)
    steps.commit_candidate()
    return ctx


def ids_file(steps: Steps, profile: str = "web") -> object:
    return json.loads(base64.b64decode(steps.journal.ids_path(profile).read_bytes()))


def test_deployed_records_the_new_certificate_as_current(
    steps: Steps, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    earlier = T0 - dt.timedelta(days=60)
    record = PairRecord(
        profile="web",
        firewall="fw_a",
        current_object="web",
        current_order_id=77,
        current_renew_id="r-old",
        current_api="admin",
        current_not_after=earlier,
        current_common_name="old.example.com",
        owned_objects=["web"],
        forced_hash="old-hash",
        renew_at=earlier,
        renew_reason="ARI window",
        last_error="PAN-OS commit: busy",
        last_error_hint="the next run retries",
        last_error_kind="BusyError",
    )
    ctx = rotating(steps, record, renew_id="r-9", last_error="busy")
    report = deploy(steps, [ctx])
    assert report.failed == []
    assert report.done == [("web", "deployed web-2abcdefg")]
    assert steps.fw.calls == ["snapshot"]
    saved = steps.load()
    assert saved.rotation is not None
    assert (saved.rotation.step, saved.rotation.last_error) == (Step.DEPLOYED, None)
    assert saved.current_object == NEW
    assert saved.owned_objects == ["web", NEW]
    assert (saved.current_order_id, saved.current_renew_id, saved.current_api) == (
        1001,
        "r-9",
        "admin",
    )
    assert saved.current_not_after == T0 + dt.timedelta(days=90)
    assert saved.current_common_name == "www.example.com"
    assert (saved.renew_at, saved.renew_reason) == (None, None)
    assert saved.forced_hash == "old-hash", "no forced renewal: the flag's record stays"
    assert saved.seen == SeenCertificate.of(ctx.inventory[NEW])
    assert saved.seen is not None
    assert saved.seen.name == NEW
    assert saved.seen_at == T0
    assert (saved.last_error, saved.last_error_hint, saved.last_error_kind) == (None,) * 3
    assert saved.updated_at == T0
    assert ids_file(steps) == {"sslId": 1001, "renewId": "r-9"}
    assert steps.ca.retired == [(77, 1001, False)]
    assert messages(caplog) == [DEPLOYED]


def test_a_forced_renewal_is_marked_done_and_nothing_is_listed_twice(steps: Steps) -> None:
    seen = SeenCertificate(name="web", not_after=T0)
    record = PairRecord(
        profile="web",
        firewall="fw_a",
        owned_objects=[NEW],
        seen=seen,
        seen_at=T0 - dt.timedelta(days=1),
        forced_hash="old-hash",
    )
    pair = steps.pair(sectigo_force_renewal=True)
    record.rotation = steps.imported(pair, api="enrollment", profile_hash="hash-now")
    ctx = steps.context(pair, record)
    steps.commit_candidate()
    ctx.inventory.pop(NEW)  # not read this run: what was seen stays
    report = deploy(steps, [ctx])
    assert report.done == [("web", "deployed web-2abcdefg")]
    saved = steps.load()
    assert saved.forced_hash == "hash-now"
    assert saved.owned_objects == [NEW]
    assert (saved.seen, saved.seen_at) == (seen, T0 - dt.timedelta(days=1))
    assert saved.current_api == "enrollment"
    assert ids_file(steps) == {"certId": 1001}
    assert steps.ca.calls == []


def test_an_order_without_its_api_is_written_as_the_admin_apis(steps: Steps) -> None:
    deploy(steps, [rotating(steps, api=None)])
    assert ids_file(steps) == {"sslId": 1001}


SUPERSEDED = {
    "same order": (1001, "admin", False, None, [], []),
    "no earlier order": (None, None, False, None, [], []),
    "earlier order of the same API": (77, "admin", False, None, [(77, 1001, False)], []),
    "earlier order of unknown API": (77, None, False, None, [(77, 1001, False)], []),
    "revoked": (
        77,
        "admin",
        True,
        None,
        [(77, 1001, True)],
        [(logging.INFO, "web: revoked superseded order 77")],
    ),
    "other API: left to a person": (
        77,
        "enrollment",
        True,
        None,
        [],
        [
            (
                logging.WARNING,
                "web: superseded order 77 was placed with the enrollment API; "
                "retire it in SCM by hand",
            )
        ],
    ),
    "SCM refuses: a warning only": (
        77,
        "admin",
        True,
        ScmServerError(code=-1, description="boom", http_status=500, operation="revoke"),
        [],
        [
            (
                logging.WARNING,
                "web: SCM bookkeeping for superseded order 77 failed: "
                "SCM revoke failed (HTTP 500 code -1): boom",
            )
        ],
    ),
}


@pytest.mark.parametrize(
    ("old_order", "old_api", "revoke", "failure", "retired", "logged"),
    list(SUPERSEDED.values()),
    ids=list(SUPERSEDED),
)
def test_the_superseded_order_at_scm(  # noqa: PLR0917 - fixtures plus the table's columns
    steps: Steps,
    caplog: pytest.LogCaptureFixture,
    old_order: int | None,
    old_api: str | None,
    revoke: bool,
    failure: PancertError | None,
    retired: list[tuple[int, int, bool]],
    logged: list[tuple[int, str]],
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    if failure is not None:
        steps.ca.failures["retire_superseded"] = failure
    record = PairRecord(
        profile="web",
        firewall="fw_a",
        current_object="web",
        current_order_id=old_order,
        current_api=old_api,
    )
    pair = steps.pair(sectigo_revoke_superseded=revoke)
    record.rotation = steps.imported(pair)
    ctx = steps.context(pair, record)
    steps.commit_candidate()
    report = deploy(steps, [ctx])
    assert report.done == [("web", "deployed web-2abcdefg")]
    assert steps.ca.retired == retired
    assert messages(caplog) == [DEPLOYED, *logged]
    assert steps.load().current_order_id == 1001


def test_nothing_to_deploy_reads_nothing(steps: Steps) -> None:
    assert deploy(steps, []).done == []
    assert steps.fw.calls == []


def test_an_unreadable_running_configuration_fails_every_pair(steps: Steps) -> None:
    contexts = [rotating(steps), other(steps)]
    steps.fw.failures["snapshot"] = BusyError(13, ("busy",))
    report = deploy(steps, contexts)
    assert report.done == []
    assert report.failed == [
        (
            ["web", "api"],
            "PAN-OS read running configuration: PAN-OS error 13: busy",
            "the firewall is busy with another commit or sync; the next run retries",
        )
    ]
    assert steps.load().rotation.step is Step.IMPORTED  # type: ignore[union-attr]


REVERTED = (
    "PAN-OS commit: the running configuration has no signed web-2abcdefg after the commit "
    "(another admin may have reverted the candidate); the next run retries"
)


@pytest.mark.parametrize("how", ["absent", "keyless", "unsigned"])
def test_a_new_object_missing_from_the_running_configuration_fails_that_pair_only(
    steps: Steps, how: str
) -> None:
    web, api = rotating(steps), other(steps)
    if how == "absent":
        del steps.fw.running.objects[NEW]
    elif how == "keyless":
        steps.fw.keyless.add(NEW)
    else:
        steps.fw.running.objects[NEW] = FakeObject(csr_pem="(pending)")
    report = deploy(steps, [web, api])
    assert report.failed == [(["web"], REVERTED, None)]
    assert report.done == [("api", "deployed api-2abcdefg")]
    assert steps.load().rotation.step is Step.IMPORTED  # type: ignore[union-attr]
    assert steps.load("api").current_object == "api-2abcdefg"


@pytest.mark.parametrize(
    ("bindings", "message"),
    [
        pytest.param(
            ["web-tls", "portal-tls"],
            "ssl_tls_service_profile portal-tls does not use web-2abcdefg",
            id="one",
        ),
        pytest.param(
            ["a-tls", "web-tls", "b-tls"],
            "ssl_tls_service_profile a-tls, ssl_tls_service_profile b-tls does not use "
            "web-2abcdefg",
            id="two",
        ),
    ],
)
def test_a_binding_the_running_configuration_lacks_fails_the_pair(
    steps: Steps, bindings: list[str], message: str
) -> None:
    pair = steps.pair(paloalto_bindings=[{"ssl_tls_service_profile": b} for b in bindings])
    record = PairRecord(profile="web", firewall="fw_a", current_object="web")
    record.rotation = steps.imported(pair)
    for binding in bindings:
        steps.fw.candidate.profiles[binding] = "web"
    steps.fw.candidate.profiles["web-tls"] = NEW
    ctx = steps.context(pair, record)
    steps.commit_candidate()
    report = deploy(steps, [ctx])
    assert report.failed == [
        (["web"], f"PAN-OS commit: {message} in the running configuration", None)
    ]
    assert report.done == []
