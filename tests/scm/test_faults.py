"""Every fault kind the sandbox injects, and what the clients make of it (issue 3 retries)."""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Callable

import httpx
import pytest

from pancert.sandbox.faults import FaultName, FaultRule
from pancert.scm import IssuedChain, LookupOutcome, open_ca
from pancert.scm.errors import (
    ScmOutcomeUnknown,
    ScmProtocolError,
    ScmRateLimited,
    ScmServerError,
    ScmTransportError,
    ScmValidationError,
)
from tests.scm.conftest import Running, collect_issued, enroll_request

Start = Callable[..., Running]


def _short_timeout_client(running: Running) -> httpx.AsyncClient:
    verify = ssl.create_default_context(cafile=str(running.ca_bundle))
    return httpx.AsyncClient(verify=verify, timeout=httpx.Timeout(0.5))


@pytest.mark.parametrize("fault", ["5xx", "429", "reset", "slow", "timeout", "kill"])
def test_idempotent_calls_ride_out_transient_faults(scm: Running, fault: FaultName) -> None:
    async def run() -> None:
        http = _short_timeout_client(scm)
        ca = scm._keep(
            open_ca(
                scm_url=scm.admin_url,
                credential=scm.admin_cred(),
                auth_url=scm.auth_url,
                ca_bundle=None,
                http=http,
                retry=scm.retry(),
            )
        )
        ref = await ca.enroll(enroll_request())
        scm.sandbox.add_fault(
            FaultRule(
                "details", fault, times=2, retry_after=2, delay_s=0.1 if fault == "slow" else 1.0
            )
        )
        details = await ca.details(ref.order_id)
        assert details.status == "Issued"
        assert scm.sandbox.recorder.counts()["details"] == (1 if fault == "slow" else 3)
        if fault == "429":
            assert scm.sleeps == [2.0, 2.0]  # Retry-After honoured
        await http.aclose()

    scm.run(run)


def test_retries_are_capped(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin()
        ref = await ca.enroll(enroll_request())
        scm.sandbox.add_fault(FaultRule("details", "5xx", times=-1))
        with pytest.raises(ScmServerError) as info:
            await ca.details(ref.order_id)
        assert info.value.http_status == 503
        assert scm.sandbox.recorder.counts()["details"] == 3

    scm.run(run)


def test_a_long_retry_after_is_raised_not_waited(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin()
        scm.sandbox.add_fault(FaultRule("details", "429", times=-1, retry_after=3600))
        with pytest.raises(ScmRateLimited) as info:
            await ca.details(1)
        assert info.value.retry_after == 3600
        assert scm.sleeps == []

    scm.run(run)


def test_rate_limit_setting_answers_429_with_retry_after(start_scm: Start) -> None:
    running = start_scm(rate_limit_per_s=1.0)

    async def run() -> None:
        async with running.raw() as raw:
            headers = {
                "login": running.sandbox.credentials.login,
                "password": running.sandbox.credentials.password,
                "customerUri": running.sandbox.credentials.customer_uri,
            }
            statuses = [(await raw.get("/api/ssl/v1/types", headers=headers)) for _ in range(3)]
        assert [r.status_code for r in statuses][:1] == [200]
        limited = [r for r in statuses if r.status_code == 429]
        assert limited
        assert int(limited[0].headers["retry-after"]) >= 1

    running.run(run)


@pytest.mark.parametrize("fault", ["5xx", "429", "reset", "timeout", "malformed"])
def test_enroll_is_never_retried_blindly(scm: Running, fault: FaultName) -> None:
    """Before the handler: nothing was ordered. 429 is a refusal, so enroll may try again;
    every other fault leaves the outcome unknown and the order is looked up instead."""

    async def run() -> None:
        http = _short_timeout_client(scm)
        ca = scm._keep(
            open_ca(
                scm_url=scm.admin_url,
                credential=scm.admin_cred(),
                auth_url=scm.auth_url,
                ca_bundle=None,
                http=http,
                retry=scm.retry(),
            )
        )
        since = dt.datetime.now(dt.UTC)
        scm.sandbox.add_fault(FaultRule("enroll", fault, times=1, retry_after=1, delay_s=1.0))
        if fault == "429":
            await ca.enroll(enroll_request(request_id="rid-429"))
            assert scm.sandbox.recorder.counts()["enroll"] == 2
        else:
            with pytest.raises(ScmOutcomeUnknown):
                await ca.enroll(enroll_request(request_id=f"rid-{fault}"))
            assert scm.sandbox.recorder.counts()["enroll"] == 1
            lookup = await ca.find_order(f"rid-{fault}", "www.example.org", since)
            # malformed answers after a 200 from the fault, before the handler: no order
            assert lookup.outcome is LookupOutcome.NOT_FOUND
        await http.aclose()

    scm.run(run)


@pytest.mark.parametrize("fault", ["reset", "5xx", "malformed", "timeout"])
def test_lost_answer_after_the_order_is_found_again(scm: Running, fault: FaultName) -> None:
    async def run() -> None:
        http = _short_timeout_client(scm)
        ca = scm._keep(
            open_ca(
                scm_url=scm.admin_url,
                credential=scm.admin_cred(),
                auth_url=scm.auth_url,
                ca_bundle=None,
                http=http,
                retry=scm.retry(),
            )
        )
        since = dt.datetime.now(dt.UTC)
        scm.sandbox.add_fault(FaultRule("enroll", fault, when="after", delay_s=1.0))
        with pytest.raises(ScmOutcomeUnknown):
            await ca.enroll(enroll_request(request_id="rid-after"))
        lookup = await ca.find_order("rid-after", "www.example.org", since)
        assert lookup.outcome is LookupOutcome.FOUND
        assert lookup.order_id is not None
        assert isinstance(await collect_issued(ca, lookup.order_id), IssuedChain)
        await http.aclose()

    scm.run(run)


def test_error_fault_uses_scm_envelope(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin()
        body = '{"code": -1137, "description": "DCV incomplete"}'
        scm.sandbox.add_fault(FaultRule("enroll", "error", status=400, body=body))
        with pytest.raises(ScmValidationError) as info:
            await ca.enroll(enroll_request())
        assert info.value.code == -1137
        assert info.value.http_status == 400

    scm.run(run)


def test_malformed_details_is_a_protocol_error(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin()
        scm.sandbox.add_fault(FaultRule("details", "malformed"))
        with pytest.raises(ScmProtocolError):
            await ca.details(1)

    scm.run(run)


def test_connection_refused_before_sending_is_not_an_unknown_outcome(scm: Running) -> None:
    async def run() -> None:
        ca = scm._keep(
            open_ca(
                scm_url="https://127.0.0.1:9/api/ssl/v1",
                credential=scm.admin_cred(),
                auth_url="https://127.0.0.1:9/token",
                ca_bundle=scm.ca_bundle,
                retry=scm.retry(),
            )
        )
        with pytest.raises(ScmTransportError) as info:
            await ca.enroll(enroll_request())
        assert not isinstance(info.value, ScmOutcomeUnknown)

    scm.run(run)


def test_faults_over_http(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin()
        async with scm.raw() as raw:
            added = await raw.post(
                "/_sandbox/faults", json={"kind": "types", "fault": "5xx", "times": -1}
            )
            assert added.status_code == 201
            with pytest.raises(ScmServerError):
                await ca.resolve_product(enroll_request())
            assert (await raw.delete("/_sandbox/faults")).status_code == 204
            refused = await raw.post("/_sandbox/faults", json={"kind": "*", "fault": "nonsense"})
            assert refused.status_code == 400
        assert (await ca.resolve_product(enroll_request())).cert_type_id == 7001

    scm.run(run)
