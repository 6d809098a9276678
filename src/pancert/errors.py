"""pancert's exception tree. This module imports nothing from pancert.

::

    PancertError                    a failure (exit 1)
    ├── BadInputError               a person must fix the input (exit 2)
    │   ├── UsageError              the command line is wrong
    │   ├── ConfigError             files or fields are wrong (carries every Problem)
    │   ├── EulaNotAcceptedError    a non-interactive first run without acceptance
    │   └── SecretsError            an encrypted file cannot be read or written
    ├── LockHeldError               another run holds the state folder's lock (exit 3)
    ├── ScmError                    Sectigo SCM (subtree in pancert.scm.errors)
    └── PanosError                  PAN-OS XML API (subtree in pancert.panos.errors)

Bad input is a type: errors of other subtrees that a person must fix in a file (a binding
that names nothing, an SCM type that cannot be resolved) also derive from
:class:`BadInputError`. Exit codes follow from the type in one place,
:func:`pancert.commands._exits.for_error`.

Leaves carry fields (codes, statuses, paths) rather than prose, so callers decide by type and
field, never by matching message text. Messages never contain secrets; the CLI additionally
passes every message through the redaction registry before printing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class PancertError(Exception):
    """Root of every error pancert raises on purpose."""

    hint: str | None = None
    """One line telling the user what to do next, printed under the message."""


class BadInputError(PancertError):
    """A file, a field or the command line must be fixed by a person."""


class UsageError(BadInputError):
    pass


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one file: ``file: field: problem (allowed: …)``."""

    file: str
    field: str
    message: str
    allowed: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}: " if self.field else f"{self.file}: "
        suffix = f" (allowed: {self.allowed})" if self.allowed else ""
        return f"{where}{self.message}{suffix}"


@dataclass
class ConfigError(BadInputError):
    """Every problem found, across every file, in one run."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class EulaNotAcceptedError(BadInputError):
    pass


class SecretsError(BadInputError):
    """An encrypted (sops) file could not be decrypted, encrypted or written."""


class LockHeldError(PancertError):
    pass


class ScmError(PancertError):
    """Root of the Sectigo SCM subtree (see pancert.scm.errors)."""


class PanosError(PancertError):
    """Root of the PAN-OS subtree (see pancert.panos.errors)."""
