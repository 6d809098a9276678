"""Errors from Sectigo SCM, one subtree of :class:`pancert.errors.ScmError`.

::

    ScmError
    ├── ScmConfigurationError       exit 2: URL/credential cannot work with the chosen API
    ├── ScmResolutionError          exit 2: type/term/org cannot be resolved (lists choices)
    ├── ScmTransportError           no usable answer (connection, timeout, reset; retries spent)
    │   ├── ScmNotSent              the call never left: no token, no connection; safe to repeat
    │   └── ScmOutcomeUnknown       a non-idempotent call may have reached SCM: look it up
    ├── ScmProtocolError            an answer pancert cannot parse
    └── ScmApiError                 SCM answered ``{code, description}`` (+ HTTP status)
        ├── ScmAuthError            bad credentials / token refused
        ├── ScmRateLimited          429, ``retry_after`` seconds
        ├── ScmNotFound             unknown id (-124, 404)
        ├── ScmBeingProcessed       not issued yet (0, -1400, -183, -109, -103)
        ├── ScmValidationError      domain/organization validation missing: ``domains``
        ├── ScmRequestRejected      the request itself is wrong (CSR, term, type, fields)
        │   └── ScmOrgNotFound      the organization id is unknown (-1023)
        ├── ScmOrderRefused         the order will never be issued (declined, rejected, revoked)
        └── ScmServerError          5xx, "try again later" codes (-2, -140, -195, -618)

SCM codes live in :data:`CODES` (scm.md §4), mapped to classes at exactly one boundary,
:func:`from_response`. Messages pass through :func:`pancert.redaction.redact`; they never carry
a secret or token.
"""

from __future__ import annotations

from pancert.errors import BadInputError, ScmError
from pancert.redaction import redact


class ScmConfigurationError(ScmError, BadInputError):
    pass


class ScmResolutionError(ScmError, BadInputError):
    """Certificate type, term or organization cannot be chosen; the message lists choices."""


class ScmTransportError(ScmError):
    def __init__(self, message: str, *, operation: str) -> None:
        super().__init__(redact(message))
        self.operation = operation


class ScmNotSent(ScmTransportError):
    """The call was never sent: the token could not be obtained, or no connection to SCM
    could be opened. Nothing can have been ordered, so repeating it is safe."""

    hint = "check that SCM and its token endpoint are reachable; the next run orders again"


class ScmOutcomeUnknown(ScmTransportError):
    """The request may have reached SCM but no answer came back: never repeat it blindly;
    look the order up (:meth:`CertificateAuthority.find_order`)."""

    hint = "pancert looks the order up by its request id before ordering again"


class ScmProtocolError(ScmError):
    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        super().__init__(redact(message))
        self.http_status = http_status


class ScmApiError(ScmError):
    """SCM's own error envelope. ``code`` is SCM's (negative) code or None when the body had
    none; ``description`` is SCM's text."""

    def __init__(
        self,
        *,
        code: int | None,
        description: str,
        http_status: int,
        operation: str,
        retry_after: float | None = None,
        domains: tuple[str, ...] = (),
    ) -> None:
        self.code = code
        self.description = redact(description)
        self.http_status = http_status
        self.operation = operation
        self.retry_after = retry_after
        self.domains = domains
        super().__init__(self._message())

    def _message(self) -> str:
        code = "" if self.code is None else f" code {self.code}"
        return f"SCM {self.operation} failed (HTTP {self.http_status}{code}): {self.description}"


class ScmAuthError(ScmApiError):
    hint = "check the client id/secret (or login/password/customerUri) for this credential label"


class ScmRateLimited(ScmApiError):
    pass


class ScmNotFound(ScmApiError):
    pass


class ScmBeingProcessed(ScmApiError):
    """Not issued yet; collect again later."""


class ScmValidationError(ScmApiError):
    """Domain control or organization validation is missing for ``domains``."""

    hint = "validate the domains (or the organization) in SCM, then run again"

    def _message(self) -> str:
        names = ", ".join(self.domains) if self.domains else "the requested domains"
        return (
            f"SCM refused the order: validation is missing for {names}; validate in SCM "
            f"(code {self.code}: {self.description})"
        )


class ScmRequestRejected(ScmApiError):
    pass


class ScmOrgNotFound(ScmRequestRejected):
    hint = "check sectigo_cm_org_id (`pancert validate --online` lists the organizations)"


class ScmOrderRefused(ScmApiError):
    """SCM will never issue this order: it was declined, rejected or revoked."""

    hint = (
        "see why in SCM; to order again, record the order as gone with "
        "`pancert resolve -p PROFILE --firewall FIREWALL --none`"
    )


class ScmServerError(ScmApiError):
    hint = "SCM asks to try again later; the next run does"


CODES: dict[int, tuple[type[ScmApiError], str]] = {
    0: (ScmBeingProcessed, "being processed by Sectigo"),
    -1400: (ScmBeingProcessed, "the request is being processed by Sectigo"),
    # also permanent for a declined order: collect then reads the order's status
    -183: (ScmBeingProcessed, "certificate is not collectable"),
    -109: (ScmBeingProcessed, "not available now, try later"),
    -103: (ScmBeingProcessed, "not collected yet"),
    -16: (ScmAuthError, "unknown user"),
    -970: (ScmAuthError, "bad credentials"),
    -124: (ScmNotFound, "wrong certificate id"),
    -5101: (ScmNotFound, "certificate not found"),
    -1023: (ScmOrgNotFound, "organization not found"),
    -107: (ScmValidationError, "domain control validation incomplete"),
    -737: (ScmValidationError, "domain control validation expired"),
    -1137: (ScmValidationError, "domain control validation incomplete"),
    -715: (ScmValidationError, "domain inactive"),
    -727: (ScmValidationError, "domain unknown"),
    -843: (ScmValidationError, "certificate type blocked by organization validation status"),
    -1010: (ScmValidationError, "domain not allowed"),
    -7: (ScmRequestRejected, "missing or invalid field"),
    -1002: (ScmRequestRejected, "cannot parse message body"),
    -139: (ScmRequestRejected, "external requester is required"),
    -9: (ScmRequestRejected, "CSR invalid"),
    -10: (ScmRequestRejected, "CSR undecodable"),
    -138: (ScmRequestRejected, "CSR invalid"),
    -11: (ScmRequestRejected, "CSR algorithm not allowed"),
    -13: (ScmRequestRejected, "CSR key size not allowed"),
    -141: (ScmRequestRejected, "CSR key parameters not allowed"),
    -194: (ScmRequestRejected, "CSR key not allowed"),
    -170: (ScmRequestRejected, "ECC CSR not allowed"),
    -36: (ScmRequestRejected, "term invalid for profile"),
    -39: (ScmRequestRejected, "invalid certificate profile"),
    -111: (ScmRequestRejected, "invalid certificate profile"),
    -62: (ScmRequestRejected, "mandatory custom field missing"),
    -102: (ScmRequestRejected, "only issued certificates can be revoked"),
    -110: (ScmRequestRejected, "revoked, cannot be downloaded"),
    -126: (ScmRequestRejected, "unknown format"),
    -1450: (ScmRequestRejected, "unknown format"),
    -130: (ScmRequestRejected, "certificate not in status Issued"),
    -164: (ScmRequestRejected, "internal name or private IP term limit"),
    -180: (ScmRequestRejected, "profile forbids renewal"),
    -1112: (ScmRequestRejected, "wrong state for approval"),
    -1113: (ScmRequestRejected, "wrong state for apply"),
    -1148: (ScmRequestRejected, "replace forbidden for auto-installed certificates"),
    -2: (ScmServerError, "internal error, try again later"),
    -140: (ScmServerError, "CSR decoding temporarily unavailable, try again later"),
    -195: (ScmServerError, "CA unavailable, try again later"),
    -618: (ScmServerError, "discovery is running, try again later"),
}
"""SCM code → (class, what it means). Codes SCM reuses with two meanings keep SCM's own
description on the instance; the class is chosen by what a caller can do about it. Sources:
the 25.5 API doc's error table; -1002 and -139 from python-cert_manager issues #89, #220, #18."""

RETRY_LATER_CODES = frozenset({-2, -140, -195, -618})
"""SCM's "try again later" answers: an idempotent call is repeated with backoff."""
NOT_PROCESSED_CODES = frozenset({-140, -618})
"""Refusals before anything was done: even enroll may be repeated."""
REFUSED_STATUSES = frozenset({"declined", "rejected", "invalid", "revoked"})
"""Order statuses that never become Issued (scm.md §3.4)."""

PENDING_CODES = frozenset(c for c, (cls, _) in CODES.items() if cls is ScmBeingProcessed)


def from_response(
    *,
    http_status: int,
    code: int | None,
    description: str,
    operation: str,
    retry_after: float | None = None,
    domains: tuple[str, ...] = (),
) -> ScmApiError:
    """The one place an SCM answer becomes an exception: code first, then HTTP status."""
    if code is not None and code in CODES:
        cls = CODES[code][0]
    elif http_status == 429:
        cls = ScmRateLimited
    elif http_status in (401, 403):
        cls = ScmAuthError
    elif http_status == 404:
        cls = ScmNotFound
    elif http_status >= 500:
        cls = ScmServerError
    else:
        cls = ScmRequestRejected
    return cls(
        code=code,
        description=description or (CODES[code][1] if code in CODES else "no description"),
        http_status=http_status,
        operation=operation,
        retry_after=retry_after,
        domains=domains if cls is ScmValidationError else (),
    )
