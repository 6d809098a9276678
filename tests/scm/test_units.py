"""Pure pieces: the code table, resolution rules, API selection, request ids, dates."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import SecretStr

from pancert.errors import ScmError
from pancert.redaction import register_secret
from pancert.scm import (
    ApiKind,
    base_url,
    comments_with_request_id,
    parse_scm_date,
    request_id_in,
    select_api,
)
from pancert.scm.auth import token_url_from_challenge
from pancert.scm.errors import (
    CODES,
    PENDING_CODES,
    ScmApiError,
    ScmAuthError,
    ScmConfigurationError,
    ScmNotFound,
    ScmRateLimited,
    ScmRequestRejected,
    ScmResolutionError,
    ScmServerError,
    ScmValidationError,
    from_response,
)
from pancert.scm.resolve import (
    CertTypeInfo,
    OrgInfo,
    cabf_max_days,
    choose_org,
    choose_term,
    choose_type,
)
from tests.scm.conftest import Cred

# SCM's error codes with the meanings its "Certificate Manager 25.5 REST API" error table
# gives (a copy is in the EvotecIT/SectigoCertificateManager repository,
# Documentation/certmgr-api-doc-25.5.html; -1002 and -139 from python-cert_manager issues #89
# and #220), and the class that meaning calls for: what a caller can do about it. Written out
# here, not read from pancert.scm.errors.CODES, so a wrong entry there fails this test.
VENDOR_CODES: dict[int, tuple[str, str]] = {
    0: ("being processed", "ScmBeingProcessed"),
    -1400: ("The request is being processed by Sectigo", "ScmBeingProcessed"),
    -183: ("certificate is not collectable", "ScmBeingProcessed"),
    -109: ("certificate not available now, try later", "ScmBeingProcessed"),
    -103: ("certificate not collected yet", "ScmBeingProcessed"),
    -16: ("Unknown user", "ScmAuthError"),
    -970: ("bad credentials", "ScmAuthError"),
    -124: ("wrong certificate id", "ScmNotFound"),
    -5101: ("certificate not found", "ScmNotFound"),
    -1023: ("organization not found", "ScmOrgNotFound"),
    -107: ("DCV incomplete for domain(s)", "ScmValidationError"),
    -737: ("DCV expired for domain(s)", "ScmValidationError"),
    -1137: ("DCV incomplete for domain(s)", "ScmValidationError"),
    -715: ("domain inactive", "ScmValidationError"),
    -727: ("domain unknown", "ScmValidationError"),
    -843: ("certificate type blocked by org validation status", "ScmValidationError"),
    -1010: ("domain not allowed", "ScmValidationError"),
    -7: ("missing required field", "ScmRequestRejected"),
    -1002: ("message body cannot be parsed", "ScmRequestRejected"),
    -139: ("external requester is required", "ScmRequestRejected"),
    -9: ("CSR invalid", "ScmRequestRejected"),
    -10: ("CSR undecodable", "ScmRequestRejected"),
    -138: ("CSR invalid", "ScmRequestRejected"),
    -11: ("CSR algorithm not allowed", "ScmRequestRejected"),
    -13: ("CSR key size not allowed", "ScmRequestRejected"),
    -141: ("CSR key parameters not allowed", "ScmRequestRejected"),
    -194: ("CSR key not allowed", "ScmRequestRejected"),
    -170: ("ECC CSR not allowed", "ScmRequestRejected"),
    -36: ("term invalid for profile", "ScmRequestRejected"),
    -39: ("bad profile id", "ScmRequestRejected"),
    -111: ("bad profile id", "ScmRequestRejected"),
    -62: ("missing mandatory custom field", "ScmRequestRejected"),
    -102: ("only issued certificates can be revoked", "ScmRequestRejected"),
    -110: ("revoked, cannot download", "ScmRequestRejected"),
    -126: ("unknown format", "ScmRequestRejected"),
    -1450: ("unknown format", "ScmRequestRejected"),
    -130: ("certificate not in status ISSUED", "ScmRequestRejected"),
    -164: ("internal name or private IP term limit", "ScmRequestRejected"),
    -180: ("profile forbids renewal", "ScmRequestRejected"),
    -1112: ("wrong state for approve", "ScmRequestRejected"),
    -1113: ("wrong state for apply", "ScmRequestRejected"),
    -1148: ("replace forbidden (auto-installed)", "ScmRequestRejected"),
    -2: ("internal error, try again later", "ScmServerError"),
    -140: ("CSR decoding temporarily unavailable", "ScmServerError"),
    -195: ("CA unavailable, retry", "ScmServerError"),
    -618: ("discovery is running, try again later", "ScmServerError"),
}


@pytest.mark.parametrize(
    ("code", "meaning", "expected"),
    [(code, meaning, cls) for code, (meaning, cls) in VENDOR_CODES.items()],
    ids=[str(c) for c in VENDOR_CODES],
)
def test_each_vendor_code_maps_to_the_class_its_meaning_calls_for(
    code: int, meaning: str, expected: str
) -> None:
    error = from_response(http_status=400, code=code, description="", operation="enroll")
    assert type(error).__name__ == expected, f"SCM code {code} means {meaning!r}"
    assert isinstance(error, ScmError)
    assert error.code == code
    assert error.description, "an empty description is filled with what the code means"
    assert f"code {code}" in str(error)


def test_the_table_holds_exactly_the_vendor_codes() -> None:
    assert set(CODES) == set(VENDOR_CODES)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, ScmAuthError),
        (404, ScmNotFound),
        (429, ScmRateLimited),
        (502, ScmServerError),
        (400, ScmRequestRejected),
    ],
)
def test_unknown_codes_fall_back_to_http_status(status: int, cls: type[ScmApiError]) -> None:
    error = from_response(http_status=status, code=-99999, description="x", operation="details")
    assert type(error) is cls
    assert error.http_status == status


def test_pending_codes_are_the_documented_set() -> None:
    assert {0, -1400, -183, -109, -103} == PENDING_CODES


def test_validation_error_names_domains_and_says_validate_in_scm() -> None:
    error = from_response(
        http_status=400,
        code=-107,
        description="DCV incomplete",
        operation="enroll",
        domains=("a.example.org", "b.example.org"),
    )
    assert isinstance(error, ScmValidationError)
    assert "a.example.org, b.example.org" in str(error)
    assert "validate in SCM" in str(error)


def test_descriptions_are_redacted() -> None:
    register_secret("sekrit-value-123")
    error = from_response(
        http_status=401, code=-16, description="bad token sekrit-value-123", operation="details"
    )
    assert "sekrit-value-123" not in str(error)
    assert "sekrit-value-123" not in error.description


TYPES = [
    CertTypeInfo(1, "Alpha DV SSL", (90, 200, 397), {"RSA": ("2048",)}),
    CertTypeInfo(2, "Beta Organization Validation", (365,), {"EC": ("P-256",)}),
    CertTypeInfo(3, "Gamma (EV) Multi", (47, 100), {}),
    CertTypeInfo(4, "Delta EV", (200,), {}),
]


@pytest.mark.parametrize(
    ("wanted", "type_map", "expected"),
    [
        (2, None, 2),
        ("3", None, 3),
        ("Delta EV", None, 4),
        ("DV", None, 1),
        ("ov", None, 2),
        ("EV", {"EV": 3}, 3),
        ("EV", {"EV": "Delta EV"}, 4),
    ],
)
def test_choose_type(
    wanted: str | int, type_map: dict[str, str | int] | None, expected: int
) -> None:
    assert choose_type(wanted, TYPES, type_map, label="x").id == expected


@pytest.mark.parametrize("wanted", ["EV", "Nope", 99, None])
def test_choose_type_errors_list_the_types(wanted: str | int | None) -> None:
    with pytest.raises(ScmResolutionError) as info:
        choose_type(wanted, TYPES, None, label="x")
    assert "1 'Alpha DV SSL' (terms: 90, 200, 397; keys: RSA 2048)" in str(info.value)


@pytest.mark.parametrize(
    ("day", "limit"),
    [
        (dt.date(2026, 3, 14), 397),
        (dt.date(2026, 3, 15), 200),
        (dt.date(2027, 3, 14), 200),
        (dt.date(2027, 3, 15), 100),
        (dt.date(2029, 3, 14), 100),
        (dt.date(2029, 3, 15), 47),
    ],
)
def test_cabf_limits(day: dt.date, limit: int) -> None:
    assert cabf_max_days(day) == limit


def test_choose_term() -> None:
    assert choose_term(None, TYPES[0], dt.date(2026, 1, 1)) == 397
    assert choose_term(None, TYPES[0], dt.date(2026, 6, 1)) == 200
    assert choose_term(None, TYPES[0], dt.date(2027, 6, 1)) == 90
    assert choose_term(365, TYPES[0], dt.date(2027, 6, 1)) == 365
    with pytest.raises(ScmResolutionError, match="no term within"):
        choose_term(None, TYPES[1], dt.date(2026, 6, 1))


def test_choose_org() -> None:
    one = [OrgInfo(7, "Only", ((8, "IT"),))]
    assert choose_org(None, one, label="x") == 7
    assert choose_org(5, [], label="x") == 5
    with pytest.raises(ScmResolutionError, match="7 'Only' \\(departments: 8 'IT'\\)"):
        choose_org(None, [*one, OrgInfo(9, "Two")], label="x")


def _cred(**kw: object) -> Cred:
    return Cred(**kw)  # type: ignore[arg-type]


OAUTH = _cred(client_id="id", client_secret=SecretStr("s" * 8))
LEGACY = _cred(login="admin", password=SecretStr("p" * 8), customer_uri="acme")


@pytest.mark.parametrize(
    ("url", "cred", "expected"),
    [
        ("https://acme-corp.enroll.enterprise.sectigo.com", OAUTH, ApiKind.ENROLLMENT),
        ("https://x.enroll.sectigo.com/api/v1", OAUTH, ApiKind.ENROLLMENT),
        ("https://cert-manager.com/api/ssl/v1", LEGACY, ApiKind.ADMIN),
        ("https://cert-manager.com/customer/acme", LEGACY, ApiKind.ADMIN),
        ("https://admin.enterprise.sectigo.com", OAUTH, ApiKind.ADMIN),
        ("https://scm.example.net", LEGACY, ApiKind.ADMIN),
        ("https://scm.example.net", OAUTH, ApiKind.ENROLLMENT),
        ("https://127.0.0.1:8443/api/ssl/v1", OAUTH, ApiKind.ADMIN),
        ("https://localhost:8443", OAUTH, ApiKind.ENROLLMENT),
        ("https://localhost:8443/api/v1", OAUTH, ApiKind.ENROLLMENT),
    ],
)
def test_select_api(url: str, cred: Cred, expected: ApiKind) -> None:
    assert select_api(url, cred) is expected


def test_acme_urls_are_refused() -> None:
    with pytest.raises(ScmConfigurationError):
        select_api("https://acme.sectigo.com/v2/DV", OAUTH)


@pytest.mark.parametrize(
    ("url", "api", "expected"),
    [
        (
            "https://x.enroll.sectigo.com/api/v1/",
            ApiKind.ENROLLMENT,
            "https://x.enroll.sectigo.com",
        ),
        (
            "https://x.enroll.sectigo.com/api/v1/certificates",
            ApiKind.ENROLLMENT,
            "https://x.enroll.sectigo.com",
        ),
        ("https://cert-manager.com/api/ssl/v1", ApiKind.ADMIN, "https://cert-manager.com"),
        ("https://cert-manager.com/customer/acme/", ApiKind.ADMIN, "https://cert-manager.com"),
    ],
)
def test_base_url(url: str, api: ApiKind, expected: str) -> None:
    assert base_url(url, api) == expected


def test_request_id_round_trip_and_length_limit() -> None:
    text = comments_with_request_id("deployed by pancert", "abc-123")
    assert text == "deployed by pancert [pancert-request:abc-123]"
    assert request_id_in(text) == "abc-123"
    long = comments_with_request_id("x" * 2000, "abc-123")
    assert len(long) == 1024
    assert request_id_in(long) == "abc-123"
    assert request_id_in("no marker") is None
    with pytest.raises(ValueError, match="request id"):
        comments_with_request_id("", "bad id]")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/21/2026", dt.datetime(2026, 5, 21, tzinfo=dt.UTC)),
        ("2026-05-21", dt.datetime(2026, 5, 21, tzinfo=dt.UTC)),
        ("2026-11-30T23:59:59.000Z", dt.datetime(2026, 11, 30, 23, 59, 59, tzinfo=dt.UTC)),
        ("garbage", None),
        (None, None),
    ],
)
def test_parse_scm_date(text: str | None, expected: dt.datetime | None) -> None:
    assert parse_scm_date(text) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            'Bearer realm="x", authorization_uri="https://a/auth/realms/r"',
            "https://a/auth/realms/r/protocol/openid-connect/token",
        ),
        (
            'Bearer authorization_uri="https://a/auth/realms/r/protocol/openid-connect/auth"',
            "https://a/auth/realms/r/protocol/openid-connect/token",
        ),
        ('Bearer authorization_uri="https://a/t/token"', "https://a/t/token"),
        ("Bearer realm=x", None),
    ],
)
def test_token_url_from_challenge(header: str, expected: str | None) -> None:
    assert token_url_from_challenge(header) == expected
