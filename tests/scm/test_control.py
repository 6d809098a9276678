"""``/_sandbox/`` control: state, approval, next validity, domain validation."""

from __future__ import annotations

import datetime as dt

from cryptography import x509

from pancert.scm import IssuedChain, Pending
from tests.scm.conftest import Running, enroll_request, make_csr


def test_state_lists_every_order(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin()
        ref = await ca.enroll(enroll_request(request_id="state-1", cert_type="OV"))
        async with scm.raw() as raw:
            state = (await raw.get("/_sandbox/state")).json()
        order = state["orders"][0]
        assert order["id"] == ref.order_id
        assert order["status"] == "Requested"
        assert order["commonName"] == "www.example.org"
        assert order["subjectAlternativeNames"] == ["www.example.org", "api.example.org"]
        assert order["comments"].endswith("[pancert-request:state-1]")
        assert dt.datetime.fromisoformat(order["requested"])

    scm.run(run)


def test_next_validity_reaches_any_point_of_a_renewal_window(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin()
        not_before = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        not_after = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=10)
        async with scm.raw() as raw:
            response = await raw.post(
                "/_sandbox/validity",
                json={"not_before": not_before.isoformat(), "not_after": not_after.isoformat()},
            )
            assert response.status_code == 204
        ref = await ca.enroll(enroll_request())
        issued = await ca.collect(ref.order_id)
        assert isinstance(issued, IssuedChain)
        leaf = x509.load_pem_x509_certificate(issued.certificates_pem[0].encode())
        assert leaf.not_valid_before_utc == not_before
        assert leaf.not_valid_after_utc == not_after
        details = await ca.details(ref.order_id)
        assert details.expires == not_after
        second = await ca.enroll(enroll_request(request_id="next"))
        issued = await ca.collect(second.order_id)
        assert isinstance(issued, IssuedChain)
        leaf = x509.load_pem_x509_certificate(issued.certificates_pem[0].encode())
        assert leaf.not_valid_after_utc != not_after  # used once

    scm.run(run)


def test_dcv_mode_waits_for_domain_validation(scm: Running) -> None:
    async def run() -> None:
        async with scm.raw() as raw:
            creds = scm.sandbox.credentials
            pem, _ = make_csr("fw.newdomain.net")
            headers = {
                "login": creds.login,
                "password": creds.password,
                "customerUri": creds.customer_uri,
            }
            enroll = await raw.post(
                "/api/ssl/v1/enroll",
                headers=headers,
                json={"orgId": 4321, "certType": 7001, "term": 90, "csr": pem, "dcvMode": "CNAME"},
            )
            assert enroll.status_code == 200
            ssl_id = enroll.json()["sslId"]
            ca = scm.admin()
            assert isinstance(await ca.collect(ssl_id), Pending)
            done = await raw.post("/_sandbox/domains", json={"domain": "newdomain.net"})
            assert done.status_code == 204
            assert isinstance(await ca.collect(ssl_id), IssuedChain)

    scm.run(run)
