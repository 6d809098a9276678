"""finish.py step by step, against recording fakes: the commit (as whom, with which
description, the job id journalled before the wait, an earlier run's job waited for first,
what a failure tells the user), the check of the running configuration, and the bookkeeping
of DEPLOYED (every journal field, the .ids file, the superseded order at SCM, the log)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from pancert.errors import ConfigError, PancertError
from pancert.lifecycle import finish
from pancert.lifecycle.failures import StepFailed
from pancert.lifecycle.journal import PairRecord
from pancert.lifecycle.rotate import Context
from pancert.panos.errors import BusyError, CommitFailedError, JobTimeoutError
from pancert.panos.models import CommitResult, JobResult
from pancert.sandbox.ca import SandboxCA

from .executor_kit import firewall
from .steps_kit import LOGGER, T0, Steps, error_of, messages

STAY = "the changes stay in the candidate and the next run commits them"


@pytest.fixture
def steps(tmp_path: Path, sandbox_ca: SandboxCA) -> Steps:
    return Steps.make(tmp_path, sandbox_ca)


def rotating(steps: Steps, **rotation: Any) -> Context:
    pair = steps.pair()
    record = PairRecord(profile="web", firewall="fw_a", current_object="web", owned_objects=["web"])
    record.rotation = steps.imported(pair, **rotation)
    return steps.context(pair, record)


# issued_not_after --------------------------------------------------------------------------


def test_the_expiry_is_the_leafs_not_the_intermediates(steps: Steps) -> None:
    ctx = rotating(steps)
    leaf = x509.load_pem_x509_certificates(ctx.rotation.chain_pem[0].encode())[0]
    assert finish.issued_not_after(ctx) == leaf.not_valid_after_utc
    assert finish.issued_not_after(ctx) == T0 + dt.timedelta(days=90)


def test_no_expiry_without_a_rotation_or_a_chain(steps: Steps) -> None:
    ctx = rotating(steps, chain_pem=[])
    assert finish.issued_not_after(ctx) is None
    ctx.record.rotation = None
    assert finish.issued_not_after(ctx) is None


# commit -------------------------------------------------------------------------------------


def test_no_commit_user_names_the_file_and_the_field(steps: Steps, tmp_path: Path) -> None:
    pair = steps.kit.pair_on(firewall(tmp_path, paloalto_commit_user=None))
    record = PairRecord(profile="web", firewall="fw_a")
    record.rotation = steps.imported(pair)
    ctx = steps.context(pair, record)
    error = error_of(asyncio.run(finish.commit(steps.fw, [ctx])))
    assert isinstance(error, ConfigError)
    assert str(error) == (
        f"{tmp_path / 'fw_a.yaml'}: paloalto_commit_user: required to commit "
        "(the admin the API key belongs to)"
    )
    assert steps.fw.calls == []


def test_one_commit_as_the_commit_user_its_job_journalled_before_the_wait(
    steps: Steps, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    settings = steps.settings(commit_timeout=42.0)
    ctx = rotating(steps)
    ctx = Context(ctx.pair, ctx.record, ctx.journal, ctx.fw, settings, ctx.inventory)
    kept = steps.context(
        steps.pair(name="api"), PairRecord(profile="api", firewall="fw_a"), settings
    )
    assert asyncio.run(finish.commit(steps.fw, [ctx, kept])) is None
    assert steps.fw.commits == [("pancert-api", "pancert")]
    assert steps.fw.jobs_asked == []
    assert steps.fw.waits == [(1, 42.0, settings.sleep)]
    assert [(d.call, d.commit_job) for d in steps.fw.on_disk] == [
        ("commit", None),
        ("wait_for_job", 1),
    ]
    assert steps.load().rotation is not None
    assert steps.load().rotation.commit_job == 1  # type: ignore[union-attr]
    assert steps.load("api").rotation is None
    assert messages(caplog) == [
        (logging.INFO, "fw_a: commit job 1 started as pancert-api"),
        (logging.INFO, "fw_a: commit job 1 finished: OK"),
    ]


def test_the_commit_carries_the_configured_description(steps: Steps, tmp_path: Path) -> None:
    fw = firewall(
        tmp_path, paloalto_commit_user="ops-bot", paloalto_commit_description="cert rotation"
    )
    pair = steps.kit.pair_on(fw, sectigo_csr_key_type="EC")
    record = PairRecord(profile="web", firewall="fw_a")
    record.rotation = steps.imported(pair)
    ctx = steps.context(pair, record, steps.settings(sleep=None))
    assert asyncio.run(finish.commit(steps.fw, [ctx])) is None
    assert steps.fw.commits == [("ops-bot", "cert rotation")]
    (wait,) = steps.fw.waits
    assert wait[2] is asyncio.sleep, "without a test sleep, the real one"


def test_an_earlier_runs_commit_is_waited_for_before_committing_again(steps: Steps) -> None:
    settings = steps.settings(commit_timeout=99.0)
    ctx = rotating(steps, commit_job=7)
    ctx = Context(ctx.pair, ctx.record, ctx.journal, ctx.fw, settings, ctx.inventory)
    steps.fw.job_answers[7] = JobResult(7, "ACT", "PEND", 40)
    assert asyncio.run(finish.commit(steps.fw, [ctx])) is None
    assert steps.fw.jobs_asked == [7]
    assert steps.fw.waits == [(7, 99.0, settings.sleep), (1, 99.0, settings.sleep)]
    assert steps.fw.calls == ["job", "wait_for_job", "commit", "wait_for_job"]
    assert steps.load().rotation.commit_job == 1  # type: ignore[union-attr]


def test_a_finished_earlier_commit_is_only_looked_at(steps: Steps) -> None:
    ctx = rotating(steps, commit_job=7)
    assert asyncio.run(finish.commit(steps.fw, [ctx])) is None
    assert steps.fw.jobs_asked == [7]
    assert [w[0] for w in steps.fw.waits] == [1]


def test_nothing_to_commit_is_left_to_the_running_configuration(
    steps: Steps, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    ctx = rotating(steps)
    steps.fw.commit_answers = [CommitResult(None, "There are no changes to commit.")]
    assert asyncio.run(finish.commit(steps.fw, [ctx])) is None
    assert steps.fw.waits == []
    assert steps.load().rotation.commit_job is None  # type: ignore[union-attr]
    assert messages(caplog) == [
        (
            logging.INFO,
            "fw_a: the firewall reports nothing to commit (There are no changes to commit.); "
            "checking the running configuration",
        )
    ]


@pytest.mark.parametrize(
    ("failure", "message", "hint"),
    [
        pytest.param(
            CommitFailedError(1, ("Validation Error:", "  ", " web-tls is invalid ")),
            "PAN-OS commit: commit job 1 failed: Validation Error:; web-tls is invalid",
            STAY,
            id="commit-failed",
        ),
        pytest.param(
            JobTimeoutError(1, 1800),
            "PAN-OS commit: job 1 still running after 1800 s",
            STAY,
            id="job-timeout",
        ),
        pytest.param(
            BusyError(13, ("A commit is in progress.",)),
            "PAN-OS commit: PAN-OS error 13: A commit is in progress.",
            "the firewall is busy with another commit or sync; the next run retries",
            id="busy",
        ),
    ],
)
def test_a_failed_commit_says_what_and_what_next(
    steps: Steps, failure: PancertError, message: str, hint: str
) -> None:
    ctx = rotating(steps)
    steps.fw.failures["wait_for_job"] = failure
    error = error_of(asyncio.run(finish.commit(steps.fw, [ctx])))
    assert isinstance(error, StepFailed)
    assert (str(error), error.hint, error.cause) == (message, hint, failure)
    assert steps.load().rotation.commit_job == 1  # type: ignore[union-attr]


def test_a_commit_failure_with_its_own_hint_keeps_it(steps: Steps) -> None:
    failure = CommitFailedError(1, ())
    failure.hint = "fix the validation error shown, then run again"
    steps.fw.failures["commit"] = failure
    error = error_of(asyncio.run(finish.commit(steps.fw, [rotating(steps)])))
    assert str(error) == "PAN-OS commit: commit job 1 failed: no details"
    assert error.hint == "fix the validation error shown, then run again"


def test_an_earlier_job_that_cannot_be_read_fails_the_commit(steps: Steps) -> None:
    steps.fw.failures["job"] = BusyError(13, ("busy",))
    error = error_of(asyncio.run(finish.commit(steps.fw, [rotating(steps, commit_job=3)])))
    assert str(error) == "PAN-OS commit: PAN-OS error 13: busy"
    assert steps.fw.commits == []
