"""The PAN-OS subtree of pancert's exception tree, and the one place replies become errors.

::

    PanosError                      (pancert.errors) root of everything below
    ├── PanosTransportError         no usable HTTP exchange (connect, TLS, pin, timeout)
    │   └── TlsIdentityError        a new management certificate pancert cannot adopt
    ├── PanosHttpError              HTTP status other than 2xx without a PAN-OS envelope
    ├── PanosReplyError             the reply is not the XML/PEM the call must return
    ├── PanosApiError               status="error" (or a failure code) in the envelope
    │   ├── AuthenticationError     403 / "Invalid Credential" / 16 (role lacks API right)
    │   ├── BadRequestError         400 missing or bad parameter
    │   ├── UnknownCommandError     1
    │   ├── InternalError           2-5, 9, 11, 21
    │   ├── BadXpathError           6
    │   ├── ObjectNotPresentError   7 (only where absence is an error)
    │   ├── NotUniqueError          8
    │   ├── StillReferencedError    10 (``paths`` names the referrers)
    │   ├── InvalidObjectError      12
    │   ├── OperationFailedError    13
    │   │   ├── ConfigLockedError   config or commit lock held by another admin
    │   │   └── BusyError           another commit/validate/sync is in progress (retry later)
    │   ├── NotPossibleError        14
    │   ├── PassiveHaPeerError      15 (command refused on a passive HA peer)
    │   ├── InvalidCommandError     17 (also invalid certificate names)
    │   ├── MalformedXmlError       18
    │   └── SessionTimedOutError    22
    ├── CommitFailedError           the commit job finished with result FAIL (``details``)
    ├── JobTimeoutError             the job did not finish within the commit timeout
    ├── ForeignChangesError         the changed node belongs to another admin than the commit user
    └── BindingTargetError          a profile binding names an object the firewall does not have

Codes come from the vendor's error-code table (panos.md §2 [DOC-ERR]); the mapping is the
table :data:`CODE_CLASSES`, applied only by :func:`error_for`. Code 13 covers many
situations; the lock and busy messages pan-os-python matches (panos.md §7) are the only text
ever looked at, and only to pick a subclass of the same code.
"""

from __future__ import annotations

from pancert.errors import BadInputError, PanosError


class PanosTransportError(PanosError):
    """The firewall could not be reached, or its TLS identity was not the expected one."""


class TlsIdentityError(PanosTransportError):
    """The firewall presents a certificate that is neither the configured identity nor the
    management certificate pancert installed (chain from the configured CA, pinned leaf)."""

    hint = (
        "the firewall's management certificate changed to one pancert did not install; check "
        "it, then set paloalto_ca_bundle or paloalto_tls_fingerprint for the new one"
    )


class PanosHttpError(PanosError):
    def __init__(self, status: int, detail: str) -> None:
        self.status = status
        super().__init__(f"PAN-OS answered HTTP {status}: {detail}")


class PanosReplyError(PanosError):
    """The reply could not be understood (not XML, missing fields, not a PEM)."""


class PanosApiError(PanosError):
    """An error envelope. ``code`` is PAN-OS's code (None when the reply carried none)."""

    def __init__(self, code: int | None, messages: tuple[str, ...], http_status: int = 200):
        self.code = code
        self.messages = messages
        self.http_status = http_status
        text = " | ".join(messages) or "no message"
        prefix = f"PAN-OS error {code}" if code is not None else "PAN-OS error"
        super().__init__(f"{prefix}: {text}")


class AuthenticationError(PanosApiError):
    hint = "check the API key (pancert keygen fw_NAME.yaml makes a new one) and the admin role"


class BadRequestError(PanosApiError):
    pass


class UnknownCommandError(PanosApiError):
    pass


class InternalError(PanosApiError):
    pass


class BadXpathError(PanosApiError):
    pass


class ObjectNotPresentError(PanosApiError):
    pass


class NotUniqueError(PanosApiError):
    pass


class StillReferencedError(PanosApiError):
    """Delete refused: ``paths`` lists the configuration nodes that still name the object,
    as XPaths (``/config/shared/…``) or in the device's arrow form
    (``certificate-profile -> client-ca -> CA -> web``, as the Keyfactor PAN-OS orchestrator's
    ``PaloAltoClient.cs`` parses them)."""

    @property
    def paths(self) -> tuple[str, ...]:
        lines = (m.strip() for m in self.messages)
        return tuple(
            line
            for line in lines
            if line.startswith("/") or (" -> " in line and "cannot be deleted" not in line)
        )


class InvalidObjectError(PanosApiError):
    pass


class OperationFailedError(PanosApiError):
    pass


class ConfigLockedError(OperationFailedError):
    hint = "another administrator holds a config or commit lock; the next run retries"


class BusyError(OperationFailedError):
    hint = "the firewall is busy with another commit or sync; the next run retries"


class NotPossibleError(PanosApiError):
    pass


class PassiveHaPeerError(PanosApiError):
    hint = (
        "point the firewall profile at the active HA peer, or list both peers in "
        "paloalto_url so pancert finds the active one each run"
    )


class InvalidCommandError(PanosApiError):
    pass


class MalformedXmlError(PanosApiError):
    pass


class SessionTimedOutError(PanosApiError):
    pass


class CommitFailedError(PanosError):
    def __init__(self, job_id: int, details: tuple[str, ...]) -> None:
        self.job_id = job_id
        self.details = details
        lines = "; ".join(d.strip() for d in details if d.strip()) or "no details"
        super().__init__(f"commit job {job_id} failed: {lines}")


class JobTimeoutError(PanosError):
    def __init__(self, job_id: int, waited_s: float) -> None:
        self.job_id = job_id
        self.waited_s = waited_s
        super().__init__(f"job {job_id} still running after {waited_s:.0f} s")


class ForeignChangesError(PanosError):
    """The candidate node we changed is owned by another admin: a partial commit as the
    configured commit user would leave our change uncommitted ("The commit user must
    own the changes")."""

    hint = "set paloalto_commit_user to the admin the API key belongs to"

    def __init__(self, xpath: str, owner: str, commit_user: str) -> None:
        self.xpath = xpath
        self.owner = owner
        self.commit_user = commit_user
        super().__init__(
            f"the change at {xpath} belongs to admin {owner!r}, but paloalto_commit_user is "
            f"{commit_user!r}; a partial commit as {commit_user!r} would not include it"
        )


CODE_CLASSES: dict[int, type[PanosApiError]] = {
    1: UnknownCommandError,
    2: InternalError,
    3: InternalError,
    4: InternalError,
    5: InternalError,
    6: BadXpathError,
    7: ObjectNotPresentError,
    8: NotUniqueError,
    9: InternalError,
    10: StillReferencedError,
    11: InternalError,
    12: InvalidObjectError,
    13: OperationFailedError,
    14: NotPossibleError,
    15: PassiveHaPeerError,
    16: AuthenticationError,
    17: InvalidCommandError,
    18: MalformedXmlError,
    21: InternalError,
    22: SessionTimedOutError,
    400: BadRequestError,
    403: AuthenticationError,
}
"""PAN-OS response codes (panos.md §2) → error class. 19 and 20 are success codes."""

SUCCESS_CODES = frozenset({19, 20})

# Prefixes pan-os-python treats as "locked" / "busy, retry" (panos.md §7 [POP base.py]).
_LOCKED_PREFIXES = (
    "Configuration is locked by",
    "Commit lock is already held",
    "Config for scope",
    "You already own a config lock",
)
_BUSY_PREFIXES = (
    "Another commit/validate is in progress",
    "A commit is in progress",
    "You cannot commit while an install is in progress",
    "Another sync is in progress",
)


def error_for(code: int | None, messages: tuple[str, ...], http_status: int) -> PanosApiError:
    """The one boundary where an error reply becomes a typed exception."""
    cls: type[PanosApiError] = PanosApiError
    if code is not None:
        cls = CODE_CLASSES.get(code, PanosApiError)
    elif http_status == 403 or any(m.strip().startswith("Invalid credential") for m in messages):
        cls = AuthenticationError
    elif any(m.strip() == "No such node" for m in messages):
        # ``show`` of a missing node answers without a code (panos.md §2, sample)
        cls = ObjectNotPresentError
    if cls is OperationFailedError or code is None:
        stripped = [m.strip() for m in messages]
        if any(m.startswith(_LOCKED_PREFIXES) for m in stripped):
            cls = ConfigLockedError
        elif any(m.startswith(_BUSY_PREFIXES) for m in stripped):
            cls = BusyError
    return cls(code, messages, http_status)


class BindingTargetError(PanosError, BadInputError):
    """``paloalto_bindings`` names an SSL/TLS profile or decryption rule that does not exist;
    creating it would leave an incomplete object that fails the commit (panos.md §8)."""

    hint = "create it on the firewall (or fix paloalto_bindings), then run pancert again"

    def __init__(self, kind: object, name: str, location: object) -> None:
        self.kind = kind
        self.name = name
        super().__init__(
            f"paloalto_bindings: {kind} {name!r} does not exist in {location} on this "
            "firewall (for a decryption rule: an SSL inbound inspection rule)"
        )
