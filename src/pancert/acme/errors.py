"""Errors of the ACME backend, a subtree of the CA errors the lifecycle already handles.

::

    ScmError (the CA root the lifecycle catches)
    └── AcmeError
        ├── AcmeConfigurationError  exit 2: the credential cannot work with this directory
        ├── AcmeAccountError        the CA refused the account (EAB missing or wrong)
        ├── AcmeOrderError          the CA refused or invalidated the order
        ├── AcmeChallengeError      the DNS-01 record could not be published or seen
        └── AcmeTransportError      no usable answer from the CA
    ScmOutcomeUnknown
    └── AcmeOutcomeUnknown          a new-order request may have reached the CA

ACME problem documents (RFC 8555 §6.7, ``urn:ietf:params:acme:error:*``) are mapped to these
classes at one boundary, :func:`from_acme`. Messages never carry a key or HMAC secret.
"""

from __future__ import annotations

from typing import Any

from acme import errors as acme_errors
from acme import messages

from pancert.errors import ScmError
from pancert.redaction import redact
from pancert.scm.errors import ScmOutcomeUnknown


class AcmeError(ScmError):
    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(redact(message))
        if hint is not None:
            self.hint = hint


class AcmeConfigurationError(AcmeError):
    exit_code = 2


class AcmeAccountError(AcmeError):
    pass


class AcmeOrderError(AcmeError):
    pass


class AcmeChallengeError(AcmeError):
    pass


class AcmeTransportError(AcmeError):
    pass


class AcmeOutcomeUnknown(ScmOutcomeUnknown):
    hint = (
        "an unfinalized ACME order issues nothing; the next run orders again if the order "
        "URL was not recorded"
    )


_ACCOUNT_HINTS = {
    "externalAccountRequired": (
        "this CA requires External Account Binding: set acme_eab_kid and acme_eab_hmac_key "
        "(for Sectigo: the ACME account's key id and HMAC key in SCM)"
    ),
    "unauthorized": (
        "check acme_eab_kid and acme_eab_hmac_key: the CA did not accept the binding "
        "(a Sectigo EAB key can be used for one account only)"
    ),
    "malformed": "the CA refused the request as malformed; check acme_eab_hmac_key",
    "accountDoesNotExist": "pancert registers a new account on the next run",
}


def problem_code(error: messages.Error) -> str:
    return str(error.code or error.typ or "")


def describe(error: messages.Error) -> str:
    detail = error.detail or error.title or "no detail"
    return f"{problem_code(error)}: {detail}"


def from_acme(exc: BaseException, operation: str, *, account: bool = False) -> AcmeError:
    """The one mapping from the acme library's exceptions to pancert's."""
    if isinstance(exc, messages.Error):
        code = problem_code(exc)
        text = f"{operation}: the CA answered {describe(exc)}"
        if account or code in ("externalAccountRequired", "unauthorized"):
            return AcmeAccountError(text, hint=_ACCOUNT_HINTS.get(code))
        return AcmeOrderError(text)
    if isinstance(exc, acme_errors.TimeoutError):
        return AcmeTransportError(f"{operation}: the CA did not finish in time")
    if isinstance(exc, acme_errors.ValidationError):
        failed = [_authz_problem(a) for a in exc.failed_authzrs]
        return AcmeChallengeError(f"{operation}: validation failed: {'; '.join(failed)}")
    if isinstance(exc, acme_errors.IssuanceError):
        return AcmeOrderError(f"{operation}: issuance failed: {describe(exc.error)}")
    return AcmeTransportError(f"{operation}: {type(exc).__name__}: {exc}")


def _authz_problem(authzr: Any) -> str:
    name = authzr.body.identifier.value
    errors = [describe(c.error) for c in authzr.body.challenges if c.error is not None]
    return f"{name}: {', '.join(errors) or 'invalid'}"
