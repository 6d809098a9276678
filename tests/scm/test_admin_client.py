"""The Admin API client against the sandbox over HTTPS: the whole order life, auth, resolution."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from cryptography import x509
from pydantic import SecretStr

from pancert.commands._exits import for_error
from pancert.sandbox.ca import SandboxCA
from pancert.sandbox.scm import DEFAULT_TYPES, cabf_max_days
from pancert.scm import (
    ApiKind,
    CertificateAuthority,
    IssuedChain,
    LookupOutcome,
    Pending,
    open_ca,
    request_id_in,
)
from pancert.scm import admin as admin_module
from pancert.scm.errors import (
    ScmAuthError,
    ScmConfigurationError,
    ScmProtocolError,
    ScmRequestRejected,
    ScmResolutionError,
    ScmValidationError,
)
from tests.scm.chains import verify_chain
from tests.scm.conftest import Running, collect_issued, enroll_request, make_csr

FORMATS = ["x509", "x509CO", "base64", "bin", "x509IO", "x509IOR", "pem", "pemco", "pemia", "x509R"]


async def _issue(
    ca: CertificateAuthority, *args: object, **kwargs: object
) -> tuple[int, IssuedChain]:
    request = enroll_request(*args, **kwargs)  # type: ignore[arg-type]
    ref = await ca.enroll(request)
    return ref.order_id, await collect_issued(ca, ref.order_id)


@pytest.mark.parametrize("fmt", FORMATS)
def test_enroll_collect_each_format_gives_a_verifiable_chain(
    scm: Running, sandbox_ca: SandboxCA, fmt: str
) -> None:
    async def run() -> None:
        formats = (fmt,) if fmt not in ("x509CO", "pemco") else (fmt, "x509IO")
        ca = scm.admin(collect_formats=formats)
        assert ca.api is ApiKind.ADMIN
        pem, csr = make_csr("www.example.org", ("api.example.org",))
        request = enroll_request()
        request = type(request)(**{**request.__dict__, "csr_pem": pem})
        ref = await ca.enroll(request)
        assert isinstance(await ca.collect(ref.order_id), Pending)  # SCM's first answer
        if fmt in ("x509IO", "x509IOR"):
            # CA certificates only: the client refuses a chain without a leaf
            with pytest.raises(ScmProtocolError, match="end-entity"):
                await ca.collect(ref.order_id)
            return
        issued = await collect_issued(ca, ref.order_id)
        verify_chain(issued, csr, sandbox_ca, ("www.example.org", "api.example.org"))
        await ca.aclose()

    scm.run(run)


def test_issued_validity_is_the_term_capped_by_cabf(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin()
        _, issued = await _issue(ca, term_days=397)
        leaf = x509.load_pem_x509_certificate(issued.certificates_pem[0].encode())
        days = (leaf.not_valid_after_utc - leaf.not_valid_before_utc).days
        assert days == min(397, cabf_max_days(dt.datetime.now(dt.UTC).date()))

    scm.run(run)


def test_legacy_header_auth_orders_and_collects(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin(scm.legacy_cred())
        await _issue(ca)
        records = scm.sandbox.recorder.records()
        enroll = next(r for r in records if r["kind"] == "enroll")
        assert enroll["headers"]["customeruri"] == scm.sandbox.credentials.customer_uri
        assert "authorization" not in enroll["headers"]
        assert scm.sandbox.authority.tokens_issued == 0

    scm.run(run)


def test_legacy_bad_password_is_an_auth_error(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin(scm.legacy_cred(password=SecretStr("wrong-password-123")))
        with pytest.raises(ScmAuthError) as info:
            await ca.details(1)
        assert info.value.http_status == 401
        assert info.value.code == -16

    scm.run(run)


def test_expired_token_is_refreshed_once(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin()
        order_id, _ = await _issue(ca)
        assert scm.sandbox.authority.tokens_issued == 1
        scm.sandbox.expire_tokens()
        details = await ca.details(order_id)
        assert details.status == "Issued"
        assert scm.sandbox.authority.tokens_issued == 2

    scm.run(run)


def test_token_is_refreshed_before_expires_in(start_scm: object) -> None:
    now = [dt.datetime(2026, 6, 1, tzinfo=dt.UTC)]
    running = start_scm(token_lifetime_s=300)  # type: ignore[operator]

    async def run() -> None:
        ca = running.admin(clock=lambda: now[0])
        ref = await ca.enroll(enroll_request())
        now[0] += dt.timedelta(seconds=200)
        await ca.details(ref.order_id)
        assert running.sandbox.authority.tokens_issued == 1
        now[0] += dt.timedelta(seconds=50)  # within a minute of expiry
        await ca.details(ref.order_id)
        assert running.sandbox.authority.tokens_issued == 2
        statuses = [r for r in running.sandbox.recorder.records() if r["kind"] == "details"]
        assert len(statuses) == 2  # refreshed ahead of time: no call met a 401

    running.run(run)


def test_token_url_is_discovered_from_the_401_challenge(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin(auth_url=None)
        await _issue(ca)
        assert scm.sandbox.authority.tokens_issued == 1

    scm.run(run)


def test_wrong_client_secret_is_an_auth_error(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin(scm.admin_cred(client_secret=SecretStr("not-the-secret-42")))
        with pytest.raises(ScmAuthError):
            await ca.enroll(enroll_request())
        assert scm.sandbox.store.all(dt.datetime.now(dt.UTC)) == []

    scm.run(run)


def test_enrollment_credentials_do_not_open_the_admin_api(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin(scm.enroll_cred())
        with pytest.raises(ScmAuthError):
            await ca.details(1)

    scm.run(run)


def test_client_id_on_a_header_auth_host_is_a_configuration_error(scm: Running) -> None:
    with pytest.raises(ScmConfigurationError, match="login/password/customerUri"):
        open_ca(
            scm_url="https://cert-manager.com/api/ssl/v1",
            credential=scm.admin_cred(),
            auth_url=None,
            ca_bundle=None,
        )


@pytest.mark.parametrize(
    ("cert_type", "type_map", "expected"),
    [
        pytest.param(7012, None, 7012, id="numeric-id"),
        pytest.param("7022", None, 7022, id="numeric-text"),
        pytest.param("Sandbox OV SSL", None, 7011, id="exact-name"),
        pytest.param("OV", {"OV": 7012}, 7012, id="level-via-map"),
        pytest.param("EV", {"EV": "Sandbox EV Multi-Domain"}, 7022, id="level-via-map-to-name"),
    ],
)
def test_type_resolution(
    scm: Running, cert_type: object, type_map: dict[str, object] | None, expected: int
) -> None:
    async def run() -> None:
        ca = scm.admin(scm.admin_cred(cert_type_map=type_map))
        product = await ca.resolve_product(enroll_request(cert_type=cert_type))
        assert product.cert_type_id == expected
        assert product.org_id == scm.sandbox.credentials.org_id

    scm.run(run)


def test_level_without_map_and_two_matching_types_lists_the_types(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin(scm.admin_cred(cert_type_map=None))
        with pytest.raises(ScmResolutionError) as info:
            await ca.enroll(enroll_request(cert_type="DV"))
        text = str(info.value)
        assert "7001" in text
        assert "7002" in text
        assert "Sandbox Multi-Domain SSL (DV)" in text
        assert "terms: 90, 200, 365" in text
        assert "RSA 2048" in text
        assert for_error(info.value) == 2

    scm.run(run)


def test_level_resolves_through_names_when_one_type_matches(start_scm: object) -> None:
    running = start_scm(types=tuple(t for t in DEFAULT_TYPES if t.id != 7002))  # type: ignore[operator]

    async def run() -> None:
        ca = running.admin(running.admin_cred(cert_type_map=None))
        product = await ca.resolve_product(enroll_request(cert_type="DV"))
        assert product.cert_type_id == 7001

    running.run(run)


def test_unknown_type_name_lists_the_types(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin()
        with pytest.raises(ScmResolutionError, match="Sandbox EV SSL"):
            await ca.resolve_product(enroll_request(cert_type="Premium Wildcard"))

    scm.run(run)


def test_no_term_uses_the_longest_within_cabf(
    scm: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pancert.scm")

    async def run() -> None:
        ca = scm.admin()
        product = await ca.resolve_product(enroll_request(cert_type=7012))
        limit = cabf_max_days(dt.datetime.now(dt.UTC).date())
        assert product.term_days == max(t for t in (200, 365) if t <= limit)
        assert f"no term set; using {product.term_days} days" in caplog.text

    scm.run(run)


def test_org_resolution(start_scm: object) -> None:
    single = start_scm()  # type: ignore[operator]
    several = start_scm(extra_orgs=((5555, "Other Org"),))  # type: ignore[operator]

    async def run() -> None:
        ca = single.admin(single.admin_cred(org_id=None))
        product = await ca.resolve_product(enroll_request())
        assert product.org_id == single.sandbox.settings.org_id
        ca = several.admin(several.admin_cred(org_id=None))
        with pytest.raises(ScmResolutionError) as info:
            await ca.resolve_product(enroll_request())
        assert "5555 'Other Org'" in str(info.value)
        assert "4321 'Example Org'" in str(info.value)

    single.run(run)


def test_term_not_offered_is_rejected_by_scm(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin()
        with pytest.raises(ScmRequestRejected) as info:
            await ca.enroll(enroll_request(term_days=30))
        assert info.value.code == -36

    scm.run(run)


def test_key_not_allowed_by_type_is_rejected(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin()
        with pytest.raises(ScmRequestRejected) as info:
            await ca.enroll(enroll_request(key="p521"))
        assert info.value.code == -141

    scm.run(run)


def test_domain_not_validated_names_the_domains(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin()
        request = enroll_request("fw.unvalidated.net", ("vpn.unvalidated.net",))
        with pytest.raises(ScmValidationError) as info:
            await ca.enroll(request)
        text = str(info.value)
        assert "fw.unvalidated.net" in text
        assert "vpn.unvalidated.net" in text
        assert "validate in SCM" in text
        assert info.value.code == -1137

    scm.run(run)


@pytest.mark.parametrize("level", ["OV", "EV"])
def test_ov_ev_stay_pending_until_approved(scm: Running, sandbox_ca: SandboxCA, level: str) -> None:
    async def run() -> None:
        ca = scm.admin()
        ref = await ca.enroll(enroll_request(cert_type=level))
        pending = await ca.collect(ref.order_id)
        assert isinstance(pending, Pending)
        assert pending.code == 0
        assert (await ca.details(ref.order_id)).status == "Requested"
        scm.sandbox.approve(ref.order_id)
        assert isinstance(await collect_issued(ca, ref.order_id), IssuedChain)

    scm.run(run)


def test_approval_delay_approves_by_itself(start_scm: object) -> None:
    running = start_scm(approval_delay_s=0.0)  # type: ignore[operator]

    async def run() -> None:
        ca = running.admin()
        ref = await ca.enroll(enroll_request(cert_type="OV"))
        assert isinstance(await collect_issued(ca, ref.order_id), IssuedChain)

    running.run(run)


def test_dv_issue_delay_keeps_the_order_pending(start_scm: object) -> None:
    running = start_scm(dv_issue_delay_s=3600.0)  # type: ignore[operator]

    async def run() -> None:
        ca = running.admin()
        ref = await ca.enroll(enroll_request())
        result = await ca.collect(ref.order_id)
        assert isinstance(result, Pending)
        assert (await ca.details(ref.order_id)).status == "Applied"

    running.run(run)


def test_revoke_then_details_says_revoked(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin()
        order_id, _ = await _issue(ca)
        await ca.revoke(order_id, "superseded by a new key", reason_code=4)
        await ca.revoke(order_id, "superseded by a new key", reason_code=4)
        assert (await ca.details(order_id)).status == "Revoked"

    scm.run(run)


def test_find_order_matches_the_request_id_in_comments(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin()
        since = dt.datetime.now(dt.UTC)
        await _issue(ca, request_id="req-aaaa")
        wanted, _ = await _issue(ca, request_id="req-bbbb")
        await _issue(ca, "other.example.org", (), request_id="req-cccc")
        found = await ca.find_order("req-bbbb", "www.example.org", since)
        assert found.outcome is LookupOutcome.FOUND
        assert found.order_id == wanted
        details = await ca.details(wanted)
        assert request_id_in(details.comments) == "req-bbbb"
        missing = await ca.find_order("req-zzzz", "www.example.org", since)
        assert missing.outcome is LookupOutcome.NOT_FOUND

    scm.run(run)


def test_mark_renewed_is_recorded(scm: Running) -> None:
    async def run() -> None:
        ca = scm.admin()
        old, _ = await _issue(ca, request_id="old-1")
        new, _ = await _issue(ca, request_id="new-1")
        await ca.mark_renewed(old, new)
        assert scm.sandbox.store.get(old, dt.datetime.now(dt.UTC)).renewed

    scm.run(run)


def test_find_order_pages_through_the_list(scm: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admin_module, "PAGE_SIZE", 2)

    async def run() -> None:
        ca = scm.admin()
        since = dt.datetime.now(dt.UTC)
        first = (await ca.enroll(enroll_request(request_id="page-0"))).order_id
        for n in range(1, 5):
            await ca.enroll(enroll_request(request_id=f"page-{n}"))
        found = await ca.find_order("page-0", "www.example.org", since)
        assert found.order_id == first
        lists = [r for r in scm.sandbox.recorder.records() if r["kind"] == "list"]
        assert [r["query"].split("position=")[1] for r in lists] == ["0", "2", "4"]

    scm.run(run)
