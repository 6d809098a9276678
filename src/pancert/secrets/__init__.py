"""sops v3 files, natively: AES-256-GCM values, SHA-512 MAC, PGP via gpg, age via pyrage.

Reference: docs/reference/sops.md (the bare § citations in this package are its sections).
Files written here are read by the real ``sops`` (3.11 and later) and the other way round; the
interop tests prove both directions.
"""

from pancert.fileio import atomic_write
from pancert.secrets._errors import (
    PASSPHRASE_HINT,
    AlreadyEncryptedError,
    GpgUnavailableError,
    MacMismatchError,
    MalformedValueError,
    NoDataKeyError,
    NotEncryptedError,
    SecretsFileError,
    UnsupportedFileError,
    ValueDecryptError,
)
from pancert.secrets._files import (
    DEFAULT_REGEX,
    DecryptOutcome,
    DecryptStatus,
    EncryptOutcome,
    EncryptStatus,
    decrypt_file,
    decrypt_in_memory,
    decrypt_text,
    encrypt_file,
    encrypt_like,
    encrypt_text,
    is_encrypted_text,
)
from pancert.secrets._tree import Rule

__all__ = [
    "DEFAULT_REGEX",
    "PASSPHRASE_HINT",
    "AlreadyEncryptedError",
    "DecryptOutcome",
    "DecryptStatus",
    "EncryptOutcome",
    "EncryptStatus",
    "GpgUnavailableError",
    "MacMismatchError",
    "MalformedValueError",
    "NoDataKeyError",
    "NotEncryptedError",
    "Rule",
    "SecretsFileError",
    "UnsupportedFileError",
    "ValueDecryptError",
    "atomic_write",
    "decrypt_file",
    "decrypt_in_memory",
    "decrypt_text",
    "encrypt_file",
    "encrypt_like",
    "encrypt_text",
    "is_encrypted_text",
]
