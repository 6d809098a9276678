"""error_for without a code, and the texts of the errors pancert raises itself
(src/pancert/panos/errors.py). The coded cases are in test_errors.py (VENDOR_CODES)."""

from __future__ import annotations

import pytest

from pancert.panos.errors import (
    AuthenticationError,
    BindingTargetError,
    CommitFailedError,
    ConfigLockedError,
    ForeignChangesError,
    ObjectNotPresentError,
    PanosApiError,
    error_for,
)


@pytest.mark.parametrize(
    ("code", "messages", "status", "cls"),
    [
        (None, ("Invalid credentials.",), 200, AuthenticationError),
        (None, ("  Invalid credential",), 200, AuthenticationError),
        (None, ("invalid credentials.",), 200, PanosApiError),  # PAN-OS's own capital I
        (None, ("key refused",), 403, AuthenticationError),
        (None, ("key refused",), 404, PanosApiError),
        (None, (" No such node ",), 200, ObjectNotPresentError),
        (None, ("first", "No such node"), 200, ObjectNotPresentError),
        (None, ("no such node",), 200, PanosApiError),
        (None, ("No such node here",), 200, PanosApiError),
        (None, (), 200, PanosApiError),
        (999, ("unknown code",), 200, PanosApiError),
        (None, ("Configuration is locked by admin",), 200, ConfigLockedError),
        (13, ("Configuration is locked by admin",), 200, ConfigLockedError),
        # a lock message under another code keeps that code's class
        (7, ("Configuration is locked by admin",), 200, ObjectNotPresentError),
    ],
)
def test_error_for(
    code: int | None, messages: tuple[str, ...], status: int, cls: type[PanosApiError]
) -> None:
    error = error_for(code, messages, status)
    assert type(error) is cls
    assert (error.code, error.messages, error.http_status) == (code, messages, status)


def test_a_failed_commit_lists_its_non_blank_details() -> None:
    error = CommitFailedError(5, (" a ", "", "  ", "b"))
    assert str(error) == "commit job 5 failed: a; b"
    assert error.details == (" a ", "", "  ", "b")
    assert str(CommitFailedError(6, ("  ",))) == "commit job 6 failed: no details"


def test_foreign_changes_name_the_owner_and_the_commit_user() -> None:
    error = ForeignChangesError("/config/x", "alice", "pancert-api")
    assert (error.xpath, error.owner, error.commit_user) == ("/config/x", "alice", "pancert-api")
    assert str(error) == (
        "the change at /config/x belongs to admin 'alice', but paloalto_commit_user is "
        "'pancert-api'; a partial commit as 'pancert-api' would not include it"
    )


def test_a_missing_binding_target_is_named() -> None:
    error = BindingTargetError("ssl-tls-service-profile", "web-tls", "shared")
    assert (error.kind, error.name) == ("ssl-tls-service-profile", "web-tls")
    assert str(error) == (
        "paloalto_bindings: ssl-tls-service-profile 'web-tls' does not exist in shared on this "
        "firewall (for a decryption rule: an SSL inbound inspection rule)"
    )


def test_an_error_envelope_reads_as_one_line() -> None:
    assert str(error_for(None, ("a", "b"), 200)) == "PAN-OS error: a | b"
    assert str(error_for(None, (), 200)) == "PAN-OS error: no message"
    assert str(error_for(7, ("x",), 200)) == "PAN-OS error 7: x"


def test_an_error_pancert_raises_itself_reads_as_an_envelope_of_http_200() -> None:
    # The XML API answers most errors with HTTP 200 and status="error"
    # (docs/reference/panos.md); an error pancert raises on its own reading of a
    # configuration (client.py, a missing candidate node) is that kind, not an HTTP failure.
    error = ObjectNotPresentError(7, ("/config/x is not in the candidate configuration",))
    assert error.http_status == 200
