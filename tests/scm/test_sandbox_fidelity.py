"""The sandbox SCM on the wire, as the public evidence shows the real service: chain order per
collect format, "being processed" before a chain, DCV pre-validation, -1002, -139, -183, type
names, /types per organisation, list filters and date formats (docs/sandbox-fidelity.md)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from cryptography import x509

from pancert.sandbox.ca import SandboxCA
from pancert.sandbox.scm import ScmSandboxSettings, Switches
from pancert.sandbox.scm.listing import LIST_FILTERS
from pancert.sandbox.world import SandboxWorld
from tests.scm.conftest import Running, make_csr

Start = Callable[..., Running]
SSL = "/api/ssl/v1"


def _header_auth(running: Running) -> dict[str, str]:
    c = running.sandbox.credentials
    return {"login": c.login, "password": c.password, "customerUri": c.customer_uri}


async def _enroll(
    raw: httpx.AsyncClient, running: Running, name: str = "www.example.org", **extra: Any
) -> httpx.Response:
    pem, _ = make_csr(name)
    body = {"orgId": 4321, "certType": 7001, "term": 90, "csr": pem, **extra}
    return await raw.post(f"{SSL}/enroll", headers=_header_auth(running), json=body)


async def _ssl_id(
    raw: httpx.AsyncClient, running: Running, name: str = "www.example.org", **extra: Any
) -> int:
    response = await _enroll(raw, running, name, **extra)
    assert response.status_code == 200, response.text
    return int(response.json()["sslId"])


async def _collect(raw: httpx.AsyncClient, running: Running, ssl_id: int, fmt: str) -> bytes:
    """The chain, after the one "being processed" answer SCM gives first."""
    url = f"{SSL}/collect/{ssl_id}?format={fmt}"
    first = await raw.get(url, headers=_header_auth(running))
    assert first.status_code == 400
    assert first.json() == {"code": 0, "description": "Being processed by Sectigo"}
    done = await raw.get(url, headers=_header_auth(running))
    assert done.status_code == 200, done.text
    return done.content


def _names(body: bytes) -> list[str]:
    return [
        c.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value  # type: ignore[misc]
        for c in x509.load_pem_x509_certificates(body)
    ]


LEAF, ISSUING = "www.example.org", "pancert sandbox Issuing CA"
ROOT, LEGACY = "pancert sandbox Root CA", "pancert sandbox Legacy Root CA"


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("x509", [LEGACY, ROOT, ISSUING, LEAF]),  # root first, leaf last (4th, as hm-edu saw)
        ("pem", [LEGACY, ROOT, ISSUING, LEAF]),
        ("x509R", [LEAF, ISSUING, ROOT, LEGACY]),  # leaf first
        ("x509IO", [LEGACY, ROOT, ISSUING]),  # root, then intermediates
        ("x509IOR", [ISSUING, ROOT, LEGACY]),  # the reverse
        ("x509CO", [LEAF]),
        ("pemia", [LEAF, ISSUING]),
    ],
)
def test_chain_order_per_collect_format(scm: Running, fmt: str, expected: list[str]) -> None:
    async def run() -> None:
        async with scm.raw() as raw:
            ssl_id = await _ssl_id(raw, scm)
            assert _names(await _collect(raw, scm, ssl_id, fmt)) == expected

    scm.run(run)


def test_the_cross_signed_root_carries_the_trusted_roots_key(
    scm: Running, sandbox_ca: SandboxCA
) -> None:
    async def run() -> None:
        async with scm.raw() as raw:
            ssl_id = await _ssl_id(raw, scm)
            legacy, cross, issuing, _ = x509.load_pem_x509_certificates(
                await _collect(raw, scm, ssl_id, "x509")
            )
        cross.verify_directly_issued_by(legacy)
        issuing.verify_directly_issued_by(cross)  # same key as the trusted root
        assert cross.subject == sandbox_ca.root.subject
        assert cross.issuer == legacy.subject != sandbox_ca.root.subject

    scm.run(run)


def test_without_the_cross_signature_the_chain_has_three(start_scm: Start) -> None:
    running = start_scm(switches=Switches(cross_signed=False))

    async def run() -> None:
        async with running.raw() as raw:
            ssl_id = await _ssl_id(raw, running)
            assert _names(await _collect(raw, running, ssl_id, "pem")) == [ROOT, ISSUING, LEAF]

    running.run(run)


def test_a_dv_chain_is_never_handed_out_before_one_being_processed(tmp_path: Any) -> None:
    assert ScmSandboxSettings().pending_collects >= 1
    with SandboxWorld(tmp_path / "world", firewalls=1) as world:  # what `pancert demo` runs
        assert world.scm.settings.pending_collects >= 1


def test_rest_download_is_pending_first_then_leaf_and_intermediate(scm: Running) -> None:
    async def run() -> None:
        ca = scm.enrollment()
        pem, _ = make_csr("www.example.org")
        async with scm.raw() as raw:
            token = await raw.post(
                "/auth/realms/apiclients/protocol/openid-connect/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": scm.sandbox.credentials.enroll_client_id,
                    "client_secret": scm.sandbox.credentials.enroll_client_secret,
                },
            )
            bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
            cert_id = await raw.post("/api/v1/certificates", headers=bearer, json={"csr": pem})
            url = f"/api/v1/certificates/{cert_id.json()['certId']}"
            chain_type = {**bearer, "Accept": "application/pem-certificate-chain"}
            first = await raw.get(url, headers=chain_type)
            assert (first.status_code, first.json()["code"]) == (404, -109)
            assert _names((await raw.get(url, headers=chain_type)).content) == [LEAF, ISSUING]
        await ca.aclose()

    scm.run(run)


def test_names_outside_validated_domains_are_refused_even_with_a_dcv_mode(scm: Running) -> None:
    async def run() -> None:
        async with scm.raw() as raw:
            for extra in ({}, {"dcvMode": "CNAME"}):
                refused = await _enroll(raw, scm, "fw.elsewhere.net", **extra)
                assert refused.status_code == 400
                assert refused.json()["code"] == -1137
                assert "fw.elsewhere.net" in refused.json()["description"]
                assert "have not been validated" in refused.json()["description"]
        assert scm.sandbox.orders() == []

    scm.run(run)


def test_a_tenant_without_pre_validation_needs_a_dcv_mode(start_scm: Start) -> None:
    running = start_scm(switches=Switches(dcv_prevalidation=False))

    async def run() -> None:
        async with running.raw() as raw:
            missing = await _enroll(raw, running, "fw.elsewhere.net")
            assert missing.json() == {"code": -7, "description": "dcvMode is required but missing."}
            email = await _enroll(raw, running, "fw.elsewhere.net", dcvMode="EMAIL")
            assert email.json()["code"] == -7
            ssl_id = await _ssl_id(raw, running, "fw.elsewhere.net", dcvMode="TXT")
            pending = await raw.get(f"{SSL}/{ssl_id}", headers=_header_auth(running))
            assert pending.json()["status"] == "Applied"  # waits for DCV
            running.sandbox.validate_domain("elsewhere.net")
            assert _names(await _collect(raw, running, ssl_id, "x509CO")) == ["fw.elsewhere.net"]

    running.run(run)


@pytest.mark.parametrize("required", [False, True])
def test_external_requester_switch(start_scm: Start, required: bool) -> None:
    running = start_scm(switches=Switches(require_external_requester=required))

    async def run() -> None:
        async with running.raw() as raw:
            without = await _enroll(raw, running)
            if required:
                assert without.json() == {
                    "code": -139,
                    "description": "External Requester is required.",
                }
            else:
                assert without.status_code == 200
            assert (await _enroll(raw, running, externalRequester="ops@example.org")).is_success

    running.run(run)


def test_unparsable_bodies_answer_1002(scm: Running) -> None:
    async def run() -> None:
        async with scm.raw() as raw:
            headers = {**_header_auth(scm), "Content-Type": "application/json"}
            broken = await raw.post(f"{SSL}/enroll", headers=headers, content=b"{not json")
            assert (broken.status_code, broken.json()["code"]) == (400, -1002)
            assert broken.json()["description"] == "Cannot parse message body"
            # a list where SCM wants a comma-separated string (python-cert_manager issue #89)
            listed = await _enroll(raw, scm, subjAltNames=["api.example.org"])
            assert listed.json()["code"] == -1002

    scm.run(run)


@pytest.mark.parametrize("words", [True, False])
def test_type_names_and_types_per_organisation(start_scm: Start, words: bool) -> None:
    running = start_scm(switches=Switches(level_words_in_type_names=words))

    async def run() -> None:
        async with running.raw() as raw:
            auth = _header_auth(running)
            everything = (await raw.get(f"{SSL}/types", headers=auth)).json()
            mine = (await raw.get(f"{SSL}/types?organizationId=4321", headers=auth)).json()
            assert 7031 in {t["id"] for t in everything}
            assert 7031 not in {t["id"] for t in mine}
            level = re.compile(r"\b(DV|OV|EV)\b")
            assert any(level.search(t["name"]) for t in mine) is words
            if not words:
                assert "InCommon SSL (SHA-2)" in {t["name"] for t in mine}
            unknown = await raw.get(f"{SSL}/types?organizationId=999", headers=auth)
            assert unknown.json()["code"] == -1023
            other = await _enroll(raw, running, certType=7031)
            assert other.json()["code"] == -39

    running.run(run)


@pytest.mark.parametrize("not_collectable", [True, False])
def test_declined_order_collect(start_scm: Start, not_collectable: bool) -> None:
    running = start_scm(switches=Switches(declined_not_collectable=not_collectable))

    async def run() -> None:
        async with running.raw() as raw:
            ssl_id = await _ssl_id(raw, running, certType=7011, term=365)
            declined = await raw.post(
                f"{SSL}/decline/{ssl_id}", headers=_header_auth(running), json={"message": "no"}
            )
            assert declined.status_code == 204
            url = f"{SSL}/collect/{ssl_id}?format=x509"
            answer = (await raw.get(url, headers=_header_auth(running))).json()
            if not_collectable:
                assert answer == {"code": -183, "description": "Certificate is not collectable."}
            else:
                assert answer["code"] == -130

    running.run(run)


def test_every_documented_list_filter_and_size_zero(scm: Running) -> None:
    async def run() -> None:
        async with scm.raw() as raw:
            auth = _header_auth(scm)
            ssl_id = await _ssl_id(raw, scm)
            await _collect(raw, scm, ssl_id, "x509CO")
            for name in LIST_FILTERS:
                response = await raw.get(SSL, params={name: "x"}, headers=auth)
                assert response.status_code == 200, (name, response.text)
            none = await raw.get(SSL, params={"size": 0}, headers=auth)
            assert (none.json(), none.headers["x-total-count"]) == ([], "1")
            sha = (await raw.get(f"{SSL}/{ssl_id}", headers=auth)).json()["certificateDetails"]
            for name, value in (
                ("sha256Hash", sha["sha256Hash"]),
                ("keyAlgorithm", "EC"),
                ("keyParam", "P-256"),
                ("requestedVia", "API"),
                ("status", "Issued"),
            ):
                rows = (await raw.get(SSL, params={name: value}, headers=auth)).json()
                assert [r["sslId"] for r in rows] == [ssl_id], name
            refused = await raw.get(SSL, params={"requestedAfter": "2026-01-01"}, headers=auth)
            assert refused.json()["code"] == -7

    scm.run(run)


@pytest.mark.parametrize(
    ("date_format", "pattern"),
    [
        ("EU", r"\d\d\.\d\d\.\d{4}"),
        ("eu", r"\d\d\.\d\d\.\d{4}"),
        ("dd.MM.yyyy", r"\d\d\.\d\d\.\d{4}"),
        ("EU_HMS", r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d"),
        ("US_HMS", r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d"),
        ("UK", r"\d\d/\d\d/\d{4}"),
        ("JP", r"\d{4}/\d\d/\d\d"),
        ("JP_HMS", r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d"),
        ("ISO", r"\d{4}-\d\d-\d\d"),
        ("ISO_HMS", r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z"),
    ],
)
def test_date_formats(scm: Running, date_format: str, pattern: str) -> None:
    async def run() -> None:
        async with scm.raw() as raw:
            ssl_id = await _ssl_id(raw, scm)
            body = (
                await raw.get(
                    f"{SSL}/{ssl_id}", params={"dateFormat": date_format}, headers=_header_auth(scm)
                )
            ).json()
            assert re.fullmatch(pattern, body["requested"]), body["requested"]
            if date_format.upper().startswith("EU"):
                today = dt.datetime.now(dt.UTC)
                assert body["requested"].startswith(today.strftime("%d.%m.%Y"))

    scm.run(run)
