"""``/_sandbox/`` control: state, approval, next validity, domain validation."""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Callable

import pytest
from cryptography import x509
from pydantic import SecretStr

import pancert.sandbox.scm
import pancert.scm
from pancert.sandbox.scm import CustomField, Switches
from pancert.scm import ApiKind, IssuedChain, Pending, open_ca, select_api
from pancert.scm.errors import ScmRequestRejected, ScmValidationError
from tests.scm.conftest import Running, collect_issued, enroll_request, make_csr


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
        issued = await collect_issued(ca, ref.order_id)
        leaf = x509.load_pem_x509_certificate(issued.certificates_pem[0].encode())
        assert leaf.not_valid_before_utc == not_before
        assert leaf.not_valid_after_utc == not_after
        details = await ca.details(ref.order_id)
        assert details.expires == not_after
        second = await ca.enroll(enroll_request(request_id="next"))
        issued = await collect_issued(ca, second.order_id)
        leaf = x509.load_pem_x509_certificate(issued.certificates_pem[0].encode())
        assert leaf.not_valid_after_utc != not_after  # used once

    scm.run(run)


def test_dcv_mode_waits_for_domain_validation(start_scm: Callable[..., Running]) -> None:
    # a tenant without DCV pre-validation: the order is taken and waits for DCV
    scm = start_scm(switches=Switches(dcv_prevalidation=False))

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
            assert isinstance(await collect_issued(ca, ssl_id), IssuedChain)

    scm.run(run)


def test_describe_gives_working_urls_and_credentials(scm: Running) -> None:
    info = scm.sandbox.describe(scm.url)

    async def run() -> None:
        admin = scm.admin(
            scm.admin_cred(
                client_id=info["client_id"], client_secret=SecretStr(str(info["client_secret"]))
            )
        )
        assert (await admin.resolve_product(enroll_request())).org_id == info["org_id"]
        rest = open_ca(
            scm_url=str(info["enroll_url"]),
            credential=scm.enroll_cred(),
            auth_url=str(info["auth_url"]),
            ca_bundle=scm.ca_bundle,
        )
        scm.opened.append(rest)
        assert rest.api is ApiKind.ENROLLMENT
        ref = await rest.enroll(enroll_request())
        assert isinstance(await collect_issued(rest, ref.order_id), IssuedChain)
        assert select_api(str(info["url"]), scm.admin_cred()) is ApiKind.ADMIN

    scm.run(run)


def test_org_validation_and_mandatory_fields(start_scm: Callable[..., Running]) -> None:
    running = start_scm(
        org_validated=False, custom_fields=(CustomField(9, "Ticket", mandatory=True),)
    )

    async def run() -> None:
        ca = running.admin()
        with pytest.raises(ScmValidationError, match="validate in SCM") as info:
            await ca.enroll(enroll_request(cert_type="OV", custom_fields={"Ticket": "T-1"}))
        assert info.value.code == -843
        with pytest.raises(ScmRequestRejected) as rejected:
            await ca.enroll(enroll_request())
        assert rejected.value.code == -62
        ref = await ca.enroll(enroll_request(custom_fields={"Ticket": "T-2"}))
        assert isinstance(await collect_issued(ca, ref.order_id), IssuedChain)

    running.run(run)


@pytest.mark.parametrize("module", [pancert.scm, pancert.sandbox.scm], ids=lambda m: m.__name__)
def test_public_surface_matches_all(module: types.ModuleType) -> None:
    public = [
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    ]
    assert sorted(module.__all__) == sorted(public)
