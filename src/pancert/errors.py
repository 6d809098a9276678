"""pancert's exception tree. This module imports nothing from pancert.

::

    PancertError                    exit 1 unless a subclass says otherwise
    ├── UsageError                  exit 2: the command line is wrong
    ├── ConfigError                 exit 2: files or fields are wrong (carries every Problem)
    ├── EulaNotAcceptedError        exit 2: a non-interactive first run without acceptance
    ├── SecretsError                exit 2: an encrypted file cannot be read or written
    ├── LockHeldError               exit 3: another run holds the state folder's lock
    ├── ScmError                    exit 1: Sectigo SCM (subtree in pancert.scm.errors)
    └── PanosError                  exit 1: PAN-OS XML API (subtree in pancert.panos.errors)

Leaves carry fields (codes, statuses, paths) rather than prose, so callers decide by type and
field, never by matching message text. Messages never contain secrets; the CLI additionally
passes every message through the redaction registry before printing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class PancertError(Exception):
    """Root of every error pancert raises on purpose."""

    exit_code: int = 1
    hint: str | None = None
    """One line telling the user what to do next, printed under the message."""


class UsageError(PancertError):
    exit_code = 2


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
class ConfigError(PancertError):
    """Every problem found, across every file, in one run."""

    problems: list[Problem] = field(default_factory=list)
    exit_code = 2

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class EulaNotAcceptedError(PancertError):
    exit_code = 2


class SecretsError(PancertError):
    """An encrypted (sops) file could not be decrypted, encrypted or written."""

    exit_code = 2


class LockHeldError(PancertError):
    exit_code = 3


class ScmError(PancertError):
    """Root of the Sectigo SCM subtree (see pancert.scm.errors)."""


class PanosError(PancertError):
    """Root of the PAN-OS subtree (see pancert.panos.errors)."""
