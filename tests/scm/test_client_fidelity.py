"""pancert's SCM client against the field's behaviour: token discovery, dcvMode, declined
orders, the code table with SCM's documented meanings, "try again later" codes, and calls
that never left (docs/sandbox-fidelity.md)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import socket
from collections.abc import Callable

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from pancert.config.models import ScmCredential
from pancert.sandbox.faults import FaultRule
from pancert.sandbox.scm import Switches
from pancert.scm import IssuedChain, Pending, RetryPolicy, open_ca
from pancert.scm._http import ScmHttp
from pancert.scm.auth import OAuthClientCredentials, token_url_from_challenge
from pancert.scm.common import parse_scm_date
from pancert.scm.errors import (
    CODES,
    ScmAuthError,
    ScmNotFound,
    ScmNotSent,
    ScmOrderRefused,
    ScmOrgNotFound,
    ScmOutcomeUnknown,
    ScmRequestRejected,
    ScmResolutionError,
    ScmServerError,
    ScmValidationError,
    from_response,
)
from tests.scm.conftest import Running, collect_issued, enroll_request

Start = Callable[..., Running]


def test_a_bare_token_url_challenge_is_understood() -> None:
    url = "https://auth.example.net/auth/realms/apiclients/protocol/openid-connect/token"
    assert token_url_from_challenge(url) == url
    assert token_url_from_challenge(f"Bearer {url}") == url
    realm = 'Bearer realm="x", authorization_uri="https://auth.example.net/auth/realms/r"'
    assert token_url_from_challenge(realm) == (
        "https://auth.example.net/auth/realms/r/protocol/openid-connect/token"
    )
    assert token_url_from_challenge('Bearer realm="x"') is None


@pytest.mark.parametrize("api", ["admin", "enrollment"])
def test_discovery_from_a_bare_token_url_challenge(start_scm: Start, api: str) -> None:
    running = start_scm(switches=Switches(bare_token_url_challenge=True))

    async def run() -> None:
        ca = running.admin(auth_url=None) if api == "admin" else running.enrollment(auth_url=None)
        ref = await ca.enroll(enroll_request())
        assert isinstance(await collect_issued(ca, ref.order_id), IssuedChain)
        assert running.sandbox.authority.tokens_issued == 1

    running.run(run)


def test_a_probe_that_names_nothing_is_made_once() -> None:
    """The SCM host answers 401 without a usable challenge: the documented token URL is used,
    and no unauthenticated probe precedes each later call."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.host}{request.url.path}")
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "t" * 24, "expires_in": 300})
        if "authorization" not in request.headers:
            return httpx.Response(401, json={"code": -16, "description": "Unknown user"})
        return httpx.Response(200, json={"status": "Issued"})

    async def run() -> None:
        client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        auth = OAuthClientCredentials(
            client,
            client_id="id",
            client_secret="s" * 16,
            token_url=None,
            clock=lambda: dt.datetime.now(dt.UTC),
        )
        http = ScmHttp(
            client,
            "https://acme.enroll.example.net",
            auth,
            retry=RetryPolicy(attempts=2),
            probe_path="/api/v1/certificates/0/status",
            owns_client=True,
        )
        for order in (1, 2, 3):
            await http.request(
                "details", "GET", f"/api/v1/certificates/{order}/status", idempotent=True
            )
        await http.aclose()

    asyncio.run(run())
    probes = [s for s in seen if s.endswith("/0/status")]
    assert len(probes) == 1
    assert sum(s.endswith("/token") for s in seen) == 1
    assert any(s.startswith("POST auth.sso.sectigo.com") for s in seen)  # the documented URL


@pytest.mark.parametrize("api", ["admin", "enrollment"])
def test_dcv_mode_is_sent_for_a_tenant_without_pre_validation(start_scm: Start, api: str) -> None:
    running = start_scm(switches=Switches(dcv_prevalidation=False))

    async def run() -> None:
        plain = running.admin() if api == "admin" else running.enrollment()
        with pytest.raises(ScmRequestRejected, match="dcvMode is required"):
            await plain.enroll(enroll_request())
        cred = (
            running.admin_cred(dcv_mode="CNAME")
            if api == "admin"
            else running.enroll_cred(dcv_mode="CNAME")
        )
        ca = running.admin(cred) if api == "admin" else running.enrollment(cred)
        ref = await ca.enroll(enroll_request(request_id="with-dcv"))
        enrolls = [r for r in running.sandbox.recorder.records() if r["kind"] == "enroll"]
        assert json.loads(enrolls[-1]["body"])["dcvMode"] == "CNAME"
        assert isinstance(await collect_issued(ca, ref.order_id), IssuedChain)

    running.run(run)


def test_sectigo_dcv_mode_is_validated(tmp_path: object) -> None:
    base = {"label": "x", "source": "creds.yaml", "sectigo_cm_user_id": "id"}
    base["sectigo_cm_user_secret"] = "s" * 24
    assert ScmCredential.model_validate({**base, "sectigo_dcv_mode": "txt"}).dcv_mode == "TXT"
    assert ScmCredential.model_validate(base).dcv_mode is None
    with pytest.raises(ValidationError, match="'DNS' is not a DCV mode"):
        ScmCredential.model_validate({**base, "sectigo_dcv_mode": "DNS"})
    with pytest.raises(ValidationError, match="sectigo_dcv_email"):
        ScmCredential.model_validate({**base, "sectigo_dcv_mode": "EMAIL"})
    both = {**base, "sectigo_dcv_mode": "EMAIL", "sectigo_dcv_email": "admin@example.com"}
    assert ScmCredential.model_validate(both).dcv_email == "admin@example.com"


@pytest.mark.parametrize("api", ["admin", "enrollment"])
def test_a_declined_order_fails_at_once_with_scms_words(scm: Running, api: str) -> None:
    async def run() -> None:
        ca = (
            scm.admin()
            if api == "admin"
            else scm.enrollment(scm.enroll_cred(cert_type_map={"OV": 7011}))
        )
        ref = await ca.enroll(enroll_request(cert_type="OV"))
        pending = await ca.collect(ref.order_id)
        assert isinstance(pending, Pending)
        assert pending.status == "Requested"  # read from the order while pending
        scm.sandbox.store.decline(ref.order_id, scm.sandbox.now())
        with pytest.raises(ScmOrderRefused) as info:
            await ca.collect(ref.order_id)
        assert "Declined" in str(info.value)
        assert "Certificate is not collectable." in str(info.value)
        assert info.value.code == -183
        assert "resolve" in (info.value.hint or "")

    scm.run(run)


def test_a_revoked_order_is_not_waited_for(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin()
        ref = await ca.enroll(enroll_request())
        await collect_issued(ca, ref.order_id)
        await ca.revoke(ref.order_id, "superseded", reason_code=4)
        with pytest.raises(ScmRequestRejected) as info:
            await ca.collect(ref.order_id)
        assert info.value.code == -110

    scm.run(run)


# Sectigo's own words (25.5 API doc error table; -1002 and -139 from python-cert_manager
# issues #89, #220 and #18), written out here rather than read from pancert's table.
DOCUMENTED = {
    -1002: (ScmRequestRejected, "Cannot parse message body", "parse message body"),
    -139: (ScmRequestRejected, "External Requester is required.", "external requester"),
    -618: (ScmServerError, "Discovery is currently running. Please try again later.", "try again"),
    -5101: (ScmNotFound, "Certificate not found.", "certificate not found"),
    -2: (ScmServerError, "Internal error. Please contact Support for details.", "try again"),
    -140: (
        ScmServerError,
        "CSR decoding temporarily unavailable. Please try again later.",
        "try again",
    ),
    -1023: (ScmOrgNotFound, "Organization '4321' not found.", "organization not found"),
    -183: (None, "Certificate is not collectable.", "not collectable"),
}


@pytest.mark.parametrize("code", sorted(DOCUMENTED))
def test_code_table_keeps_the_documented_meaning(code: int) -> None:
    cls, words, meaning = DOCUMENTED[code]
    assert meaning in CODES[code][1].lower()
    error = from_response(http_status=400, code=code, description=words, operation="enroll")
    if cls is not None:
        assert type(error) is cls
    assert words in str(error)


def test_organisation_not_found_is_not_a_domain_problem() -> None:
    error = from_response(http_status=400, code=-1023, description="", operation="enroll")
    assert not isinstance(error, ScmValidationError)
    assert "validat" not in str(error).lower()
    assert "sectigo_cm_org_id" in (error.hint or "")


@pytest.mark.parametrize("code", [-2, -140, -618])
def test_try_again_later_codes_are_retried_on_reads(scm: Running, code: int) -> None:
    async def run() -> None:
        ca = scm.admin()
        ref = await ca.enroll(enroll_request())
        body = json.dumps({"code": code, "description": "Please try again later."})
        rule = scm.sandbox.add_fault(FaultRule("details", "error", status=400, body=body))
        assert (await ca.details(ref.order_id)).status in ("Applied", "Issued")
        assert rule.fired == 1

    scm.run(run)


def test_enroll_is_retried_after_minus_140_and_not_after_minus_2(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin()
        later = json.dumps({"code": -140, "description": "CSR decoding temporarily unavailable."})
        scm.sandbox.add_fault(FaultRule("enroll", "error", status=400, body=later))
        await ca.enroll(enroll_request(request_id="r-140"))
        assert len(scm.sandbox.orders()) == 1
        internal = json.dumps({"code": -2, "description": "Internal error."})
        scm.sandbox.add_fault(FaultRule("enroll", "error", status=400, body=internal, when="after"))
        with pytest.raises(ScmOutcomeUnknown):
            await ca.enroll(enroll_request(request_id="r-2"))
        assert len(scm.sandbox.orders()) == 2  # it was placed: only a look-up may tell

    scm.run(run)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("dead", ["scm", "token"])
def test_a_call_that_never_left_is_not_an_unknown_outcome(scm: Running, dead: str) -> None:
    url = f"https://127.0.0.1:{_closed_port()}"

    async def run() -> None:
        ca = scm._keep(
            open_ca(
                scm_url=url if dead == "scm" else scm.url,
                credential=scm.enroll_cred(),
                auth_url=scm.auth_url if dead == "scm" else url + "/token",
                ca_bundle=scm.ca_bundle,
                retry=scm.retry(),
            )
        )
        with pytest.raises(ScmNotSent) as info:
            await ca.enroll(enroll_request())
        assert not isinstance(info.value, ScmOutcomeUnknown)
        assert scm.sandbox.orders() == []

    scm.run(run)


def test_a_refused_token_is_an_auth_error_not_an_outage(scm: Running) -> None:
    async def run() -> None:
        ca = scm.enrollment()
        scm.sandbox.add_fault(FaultRule("token", "5xx", times=-1))
        with pytest.raises(ScmNotSent, match="unavailable"):
            await ca.enroll(enroll_request())
        scm.sandbox.faults.clear()
        wrong = scm.enrollment(scm.enroll_cred(client_secret=SecretStr("not-the-secret-000")))
        with pytest.raises(ScmAuthError):
            await wrong.enroll(enroll_request())

    scm.run(run)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.07.2024", dt.datetime(2024, 7, 10, tzinfo=dt.UTC)),
        ("10.07.2024 14:30:00", dt.datetime(2024, 7, 10, 14, 30, tzinfo=dt.UTC)),
        ("07/10/2024", dt.datetime(2024, 7, 10, tzinfo=dt.UTC)),
        ("2024/07/10", dt.datetime(2024, 7, 10, tzinfo=dt.UTC)),
        ("2024-07-10T14:30:00.000Z", dt.datetime(2024, 7, 10, 14, 30, tzinfo=dt.UTC)),
    ],
)
def test_scm_date_formats_are_read(text: str, expected: dt.datetime) -> None:
    assert parse_scm_date(text) == expected


def test_plain_type_names_need_the_type_map(start_scm: Start) -> None:
    running = start_scm(switches=Switches(level_words_in_type_names=False))

    async def run() -> None:
        unmapped = running.admin(running.admin_cred(cert_type_map=None))
        with pytest.raises(ScmResolutionError, match="sectigo_cert_type_map"):
            await unmapped.resolve_product(enroll_request(cert_type="DV"))
        mapped = running.admin(running.admin_cred(cert_type_map={"DV": "InCommon SSL (SHA-2)"}))
        assert (await mapped.resolve_product(enroll_request(cert_type="DV"))).cert_type_id == 7001

    running.run(run)
