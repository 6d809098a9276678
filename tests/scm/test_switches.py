"""Every reading of unverified reference text is a sandbox switch; the clients work with each."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography import x509

from pancert.sandbox.ca import SandboxCA
from pancert.sandbox.scm import Switches
from pancert.scm import EnrollRequest, IssuedChain, Pending
from tests.scm.chains import verify_chain
from tests.scm.conftest import Running, collect_issued, enroll_request, make_csr

Start = Callable[..., Running]


@pytest.mark.parametrize("code", [0, -1400, -183, -109, -103])
@pytest.mark.parametrize("api", ["admin", "enrollment"])
def test_pending_codes_read_as_pending(start_scm: Start, code: int, api: str) -> None:
    running = start_scm(switches=Switches(pending_code=code), dv_issue_delay_s=3600.0)  # type: ignore[arg-type]

    async def run() -> None:
        ca = running.admin() if api == "admin" else running.enrollment()
        ref = await ca.enroll(enroll_request())
        result = await ca.collect(ref.order_id)
        assert isinstance(result, Pending)
        assert result.code == code

    running.run(run)


@pytest.mark.parametrize("ignore", [False, True])
def test_dates_with_and_without_date_format(start_scm: Start, ignore: bool) -> None:
    running = start_scm(switches=Switches(ignore_date_format=ignore))

    async def run() -> None:
        ca = running.admin()
        ref = await ca.enroll(enroll_request())
        await ca.collect(ref.order_id)
        details = await ca.details(ref.order_id)
        order = running.sandbox.store.get(ref.order_id, running.sandbox.now())
        assert details.requested is not None
        assert details.expires is not None
        assert order.expires is not None
        if ignore:  # MM/dd/yyyy: the day only
            assert details.requested == order.requested.replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            assert details.expires.date() == order.expires.date()
        else:
            assert details.requested == order.requested.replace(microsecond=0)
            assert details.expires == order.expires

    running.run(run)


@pytest.mark.parametrize("api", ["admin", "enrollment"])
@pytest.mark.parametrize("reverse", [False, True])
def test_reversed_chain_order_still_puts_the_leaf_first(
    start_scm: Start, sandbox_ca: SandboxCA, api: str, reverse: bool
) -> None:
    running = start_scm(switches=Switches(reversed_chain=reverse))

    async def run() -> None:
        ca = running.admin() if api == "admin" else running.enrollment()
        pem, csr = make_csr("www.example.org")
        request = EnrollRequest(
            **{**enroll_request("www.example.org", ()).__dict__, "csr_pem": pem}
        )
        ref = await ca.enroll(request)
        issued = await collect_issued(ca, ref.order_id)
        verify_chain(issued, csr, sandbox_ca, ("www.example.org",))

    running.run(run)


@pytest.mark.parametrize("twin", [False, True])
@pytest.mark.parametrize("name", ["example.org", "www.example.com"])
def test_www_twin(start_scm: Start, twin: bool, name: str) -> None:
    running = start_scm(switches=Switches(add_www_twin=twin))
    other = "www.example.org" if name == "example.org" else "example.com"

    async def run() -> None:
        ca = running.admin()
        ref = await ca.enroll(enroll_request(name, ()))
        issued = await collect_issued(ca, ref.order_id)
        leaf = x509.load_pem_x509_certificate(issued.certificates_pem[0].encode())
        sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = set(sans.get_values_for_type(x509.DNSName))
        assert names == ({name, other} if twin else {name})
        assert set((await ca.details(ref.order_id)).dns_names) == names

    running.run(run)


@pytest.mark.parametrize("path_only", [False, True])
def test_collect_path_form(start_scm: Start, path_only: bool) -> None:
    # no "being processed" first, so the count below is of format calls only
    running = start_scm(switches=Switches(path_form_collect_only=path_only), pending_collects=0)

    async def run() -> None:
        ca = running.admin(collect_formats=("x509CO", "x509IO"))
        ref = await ca.enroll(enroll_request())
        assert isinstance(await ca.collect(ref.order_id), IssuedChain)
        assert isinstance(await ca.collect(ref.order_id), IssuedChain)
        paths = [r["path"] for r in running.sandbox.recorder.records() if r["kind"] == "collect"]
        path_form = [p for p in paths if p.endswith(("/x509CO", "/x509IO"))]
        # the query form is tried once, then the client keeps to the path form
        assert len(path_form) == (4 if path_only else 0)
        assert len(paths) == (5 if path_only else 4)

    running.run(run)


@pytest.mark.parametrize("as_string", [False, True])
def test_revoke_reason_code_type(start_scm: Start, as_string: bool) -> None:
    running = start_scm(switches=Switches(revoke_reason_code_as_string=as_string))

    async def run() -> None:
        ca = running.admin()
        ref = await ca.enroll(enroll_request())
        await ca.collect(ref.order_id)
        await ca.revoke(ref.order_id, "superseded", reason_code=4)
        assert (await ca.details(ref.order_id)).status == "Revoked"
        async with running.raw() as raw:
            second = await ca.enroll(enroll_request(request_id="r2"))
            response = await raw.post(
                f"/api/ssl/v1/revoke/{second.order_id}",
                json={"reasonCode": 4, "reason": "numeric"},
                headers={
                    "login": running.sandbox.credentials.login,
                    "password": running.sandbox.credentials.password,
                    "customerUri": running.sandbox.credentials.customer_uri,
                },
            )
            assert response.status_code == (400 if as_string else 204)

    running.run(run)


def test_switches_can_be_changed_over_http(scm: Running) -> None:
    async def run() -> None:
        async with scm.raw() as raw:
            response = await raw.post("/_sandbox/switches", json={"pending_code": -1400})
            assert response.json()["pending_code"] == -1400
            bad = await raw.post("/_sandbox/switches", json={"no_such_switch": True})
            assert bad.status_code == 400
        assert scm.sandbox.settings.switches.pending_code == -1400

    scm.run(run)
