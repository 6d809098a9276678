"""The REST Enrollment API client against the sandbox over HTTPS."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import SecretStr

from pancert.sandbox.ca import SandboxCA
from pancert.scm import ApiKind, EnrollRequest, IssuedChain, LookupOutcome, Pending
from pancert.scm.errors import ScmAuthError, ScmRequestRejected, ScmValidationError
from tests.scm.chains import verify_chain
from tests.scm.conftest import Running, collect_issued, enroll_request, make_csr


def _request_with_csr(
    common_name: str, sans: tuple[str, ...], **kw: object
) -> tuple[EnrollRequest, object]:
    pem, csr = make_csr(common_name, sans)
    request = enroll_request(common_name, sans, **kw)  # type: ignore[arg-type]
    return EnrollRequest(**{**request.__dict__, "csr_pem": pem}), csr


def test_dv_order_is_issued_with_a_verifiable_chain(scm: Running, sandbox_ca: SandboxCA) -> None:
    async def run() -> None:
        ca = scm.enrollment()
        assert ca.api is ApiKind.ENROLLMENT
        request, csr = _request_with_csr("www.example.org", ("api.example.org",))
        ref = await ca.enroll(request)
        assert ref.api is ApiKind.ENROLLMENT
        issued = await collect_issued(ca, ref.order_id)
        verify_chain(issued, csr, sandbox_ca, ("www.example.org", "api.example.org"))  # type: ignore[arg-type]
        assert (await ca.details(ref.order_id)).status == "Issued"
        body = next(r for r in scm.sandbox.recorder.records() if r["kind"] == "enroll")["body"]
        assert "BEGIN CERTIFICATE REQUEST" not in body  # single-line Base64 (enrollment ref §5)

    scm.run(run)


def test_orders_appear_in_the_admin_api(scm: Running) -> None:
    async def run() -> None:
        rest = scm.enrollment()
        admin = scm.admin()
        since = dt.datetime.now(dt.UTC)
        ref = await rest.enroll(enroll_request(request_id="via-rest-1"))
        details = await admin.details(ref.order_id)
        assert details.common_name == "www.example.org"
        found = await admin.find_order("via-rest-1", "www.example.org", since)
        assert found.order_id == ref.order_id
        assert scm.sandbox.store.get(ref.order_id, since).requested_via == "REST API"

    scm.run(run)


def test_ov_through_a_mapped_product_waits_for_approval(scm: Running) -> None:
    async def run() -> None:
        ca = scm.enrollment(scm.enroll_cred(cert_type_map={"OV": 7011}))
        ref = await ca.enroll(enroll_request(cert_type="OV"))
        pending = await ca.collect(ref.order_id)
        assert isinstance(pending, Pending)
        assert pending.code == -109
        assert scm.sandbox.store.get(ref.order_id, dt.datetime.now(dt.UTC)).cert_type.id == 7011
        async with scm.raw() as raw:
            response = await raw.post(f"/_sandbox/approve/{ref.order_id}")
            assert response.status_code == 200
        assert isinstance(await collect_issued(ca, ref.order_id), IssuedChain)

    scm.run(run)


def test_auto_approve_account_issues_ov_at_once(start_scm: object) -> None:
    running: Running = start_scm(enroll_auto_approve=True)  # type: ignore[operator]

    async def run() -> None:
        ca = running.enrollment()
        ref = await ca.enroll(enroll_request(cert_type=7021))
        assert isinstance(await collect_issued(ca, ref.order_id), IssuedChain)

    running.run(run)


def test_level_without_map_is_left_to_the_account(scm: Running) -> None:
    async def run() -> None:
        ca = scm.enrollment()
        product = await ca.resolve_product(enroll_request(cert_type="DV"))
        assert product.cert_type_id is None
        ref = await ca.enroll(enroll_request(cert_type="DV"))
        body = next(r for r in scm.sandbox.recorder.records() if r["kind"] == "enroll")["body"]
        assert "productId" not in body
        assert isinstance(await collect_issued(ca, ref.order_id), IssuedChain)

    scm.run(run)


def test_find_order_is_unsupported_and_says_what_to_look_for(scm: Running) -> None:
    async def run() -> None:
        ca = scm.enrollment()
        result = await ca.find_order("req-42", "www.example.org", dt.datetime.now(dt.UTC))
        assert result.outcome is LookupOutcome.UNSUPPORTED
        assert "[pancert-request:req-42]" in result.detail

    scm.run(run)


def test_revoke_and_mark_renewed(scm: Running) -> None:
    async def run() -> None:
        ca = scm.enrollment()
        ref = await ca.enroll(enroll_request())
        await ca.mark_renewed(ref.order_id, ref.order_id + 1)
        await ca.revoke(ref.order_id, "key rotated", reason_code=4)
        assert (await ca.details(ref.order_id)).status == "Revoked"
        with pytest.raises(ScmRequestRejected) as info:
            await ca.collect(ref.order_id)
        assert info.value.code == -110

    scm.run(run)


def test_dcv_rejection_names_the_domains(scm: Running) -> None:
    async def run() -> None:
        ca = scm.enrollment()
        with pytest.raises(ScmValidationError, match="validate in SCM") as info:
            await ca.enroll(enroll_request("gw.elsewhere.net", ()))
        assert info.value.domains == ("gw.elsewhere.net",)

    scm.run(run)


def test_admin_api_key_does_not_open_the_enrollment_api(scm: Running) -> None:
    async def run() -> None:
        ca = scm.enrollment(scm.admin_cred())
        with pytest.raises(ScmAuthError):
            await ca.enroll(enroll_request())

    scm.run(run)


def test_token_url_discovered_and_bad_secret_refused(scm: Running) -> None:
    async def run() -> None:
        ca = scm.enrollment(auth_url=None)
        await ca.enroll(enroll_request())
        bad = scm.enrollment(scm.enroll_cred(client_secret=SecretStr("wrong-secret-000")))
        with pytest.raises(ScmAuthError):
            await bad.enroll(enroll_request())

    scm.run(run)
