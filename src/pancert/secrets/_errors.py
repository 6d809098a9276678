"""Errors raised while reading or writing sops files; each names the file it is about.

::

    SecretsError (pancert.errors)       exit 2
    └── SecretsFileError                .path, .detail
        ├── NotEncryptedError           no ``sops`` metadata (sops: "sops metadata not found")
        ├── AlreadyEncryptedError       encrypting a file that already has a ``sops`` key
        ├── UnsupportedFileError        version, key groups, comment rules, several rules, format
        ├── MalformedValueError         not ``ENC[...]`` where an encrypted value belongs
        ├── ValueDecryptError           AES-GCM authentication failed (tampered value or key)
        ├── MacMismatchError            the tree's MAC differs or cannot be decrypted
        ├── NoDataKeyError              no configured key could unwrap the data key
        └── GpgUnavailableError         the ``gpg`` program cannot be run
"""

from __future__ import annotations

from pathlib import Path

from pancert.errors import SecretsError

PASSPHRASE_HINT = "unattended runs need a key without passphrase or a preset gpg-agent"  # noqa: S105


class SecretsFileError(SecretsError):
    """A sops problem in one file; ``detail`` never contains secret material."""

    def __init__(self, path: Path | str, detail: str, *, hint: str | None = None) -> None:
        self.path = Path(path)
        self.detail = detail
        self.hint = hint
        super().__init__(f"{self.path}: {detail}")


class NotEncryptedError(SecretsFileError):
    pass


class AlreadyEncryptedError(SecretsFileError):
    pass


class UnsupportedFileError(SecretsFileError):
    pass


class MalformedValueError(SecretsFileError):
    pass


class ValueDecryptError(SecretsFileError):
    pass


class MacMismatchError(SecretsFileError):
    pass


class NoDataKeyError(SecretsFileError):
    pass


class GpgUnavailableError(SecretsFileError):
    pass
