"""from_response's fall-backs (src/pancert/scm/errors.py): the HTTP status when SCM sent no
known code, the description when SCM sent none, and the domains only where they are read."""

from __future__ import annotations

import pytest

from pancert.scm.errors import (
    ScmApiError,
    ScmAuthError,
    ScmNotFound,
    ScmRateLimited,
    ScmRequestRejected,
    ScmServerError,
    ScmValidationError,
    from_response,
)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, ScmRequestRejected),
        (401, ScmAuthError),
        (403, ScmAuthError),
        (404, ScmNotFound),
        (429, ScmRateLimited),
        (499, ScmRequestRejected),
        (500, ScmServerError),
        (501, ScmServerError),
        (503, ScmServerError),
    ],
)
def test_without_a_known_code_the_http_status_decides(status: int, cls: type) -> None:
    for code in (None, -99999):
        error = from_response(http_status=status, code=code, description="d", operation="op")
        assert type(error) is cls, (status, code)


def test_a_missing_description_is_filled_in() -> None:
    known = from_response(http_status=400, code=-7, description="", operation="enroll")
    assert known.description == "missing or invalid field"
    assert str(known) == "SCM enroll failed (HTTP 400 code -7): missing or invalid field"
    for code in (None, -99999):
        unknown = from_response(http_status=400, code=code, description="", operation="enroll")
        assert unknown.description == "no description"
    given = from_response(http_status=400, code=-7, description="SCM's words", operation="x")
    assert given.description == "SCM's words"


def test_only_a_validation_error_keeps_the_domains() -> None:
    domains = ("a.example", "b.example")
    validation = from_response(
        http_status=400, code=-107, description="d", operation="enroll", domains=domains
    )
    assert isinstance(validation, ScmValidationError)
    assert validation.domains == domains
    other: ScmApiError = from_response(
        http_status=400, code=-7, description="d", operation="enroll", domains=domains
    )
    assert other.domains == ()


def test_a_validation_error_without_domains_says_so() -> None:
    error = ScmValidationError(code=-107, description="DCV", http_status=400, operation="enroll")
    assert str(error) == (
        "SCM refused the order: validation is missing for the requested domains; validate in "
        "SCM (code -107: DCV)"
    )
