"""The ACME account: its key, kept once in the state folder, and the session that signs with it.

The key is an EC P-256 key created on first use and written (0600, atomically) *before* the
account is registered, so a crash can never leave an account whose key was lost. The file is
YAML with the key under ``acme_account_key``, so ``pancert encrypt`` encrypts it like any
other secret. The account is found again with ``onlyReturnExisting`` (RFC 8555 §7.3.1) on a
fresh connection, which needs no stored account URL; a CA that does not know the key gets a new
registration (with External Account Binding when configured). Nothing here logs the key.

All calls are blocking (certbot's ``acme`` library uses ``requests``); the authority runs them
in a worker thread.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any, cast

from acme import client, messages
from acme import errors as acme_errors
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from josepy.jwa import ES256
from josepy.jwk import JWKEC
from ruamel.yaml import YAML

from pancert import __version__
from pancert.acme.errors import AcmeConfigurationError, from_acme
from pancert.config.acme import AcmeCredential
from pancert.config.yamlio import read_document
from pancert.fileio import atomic_write
from pancert.redaction import register_secret

log = logging.getLogger("pancert.acme")

KEY_FIELD = "acme_account_key"
USER_AGENT = f"pancert/{__version__} (+acme)"
NETWORK_TIMEOUT_S = 45


def account_path(state_path: Path, credential: AcmeCredential) -> Path:
    """One key per (label, directory): a new directory URL means a new account."""
    digest = hashlib.sha256(credential.directory_url.encode()).hexdigest()[:12]
    return state_path / "acme" / "accounts" / f"{credential.label}-{digest}.yaml"


def load_or_create_key(path: Path, credential: AcmeCredential, gnupg_home: Path | None) -> Any:
    """The account's private key (a cryptography EC key), created and saved when missing."""
    if path.is_file():
        data = read_document(path, gnupg_home=gnupg_home).data
        pem = str((data or {}).get(KEY_FIELD, "")) if isinstance(data, dict) else ""
        if "PRIVATE KEY" not in pem:
            raise AcmeConfigurationError(
                f"{path}: {KEY_FIELD} is missing or not a PEM private key",
                hint="restore the file from a backup, or delete it to register a new account",
            )
        register_secret(pem)
        return serialization.load_pem_private_key(pem.encode(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    register_secret(pem)
    document = {"acme_directory_url": credential.directory_url, KEY_FIELD: pem}
    yaml = YAML()
    buffer = StringIO()
    yaml.dump(document, buffer)
    atomic_write(path, buffer.getvalue(), mode=0o600)
    log.info("ACME account key for %s created in %s", credential.label, path)
    return key


def _verify(credential: AcmeCredential) -> bool:
    # requests takes a CA file path where a bool is typed; the library passes it through
    return cast(bool, str(credential.ca_bundle) if credential.ca_bundle else True)


def network(key: Any, credential: AcmeCredential) -> client.ClientNetwork:
    return client.ClientNetwork(
        JWKEC(key=key),
        alg=ES256,
        verify_ssl=_verify(credential),
        user_agent=USER_AGENT,
        timeout=NETWORK_TIMEOUT_S,
    )


@dataclass
class Session:
    """A signed-in ACME client: directory, network (with the account set) and key."""

    acme: client.ClientV2
    key: Any
    account_url: str

    @property
    def directory(self) -> messages.Directory:
        return self.acme.directory

    def has(self, resource: str) -> bool:
        try:
            self.acme.directory[resource]
        except KeyError:
            return False
        return True


def open_session(credential: AcmeCredential, state_path: Path, gnupg_home: Path | None) -> Session:
    """Directory, key and account: existing account found, else registered."""
    key = load_or_create_key(account_path(state_path, credential), credential, gnupg_home)
    net = network(key, credential)
    try:
        directory = client.ClientV2.get_directory(credential.directory_url, net)
    except Exception as exc:
        raise from_acme(exc, f"ACME directory {credential.directory_url}") from exc
    acme = client.ClientV2(directory, net)
    url = _existing_account(directory, key, credential)
    if url is None:
        url = _register(acme, key, credential)
    net.account = messages.RegistrationResource(body=messages.Registration(), uri=url)
    return Session(acme, key, url)


def _existing_account(
    directory: messages.Directory, key: Any, credential: AcmeCredential
) -> str | None:
    """A fresh network: one with ``account`` set would sign with ``kid``, and the CA refuses
    a newAccount request that carries one."""
    probe = client.ClientV2(directory, network(key, credential))
    public = JWKEC(key=key).public_key()
    try:
        probe.new_account(messages.NewRegistration(key=public, only_return_existing=True))
    except acme_errors.ConflictError as found:
        return str(found.location)
    except messages.Error as exc:
        if exc.code == "accountDoesNotExist":
            return None
        raise from_acme(exc, "ACME find account", account=True) from exc
    except Exception as exc:
        raise from_acme(exc, "ACME find account", account=True) from exc
    return None


def _register(acme: client.ClientV2, key: Any, credential: AcmeCredential) -> str:
    public = JWKEC(key=key).public_key()
    eab = None
    if credential.eab_kid and credential.eab_hmac_key is not None:
        eab = messages.ExternalAccountBinding.from_data(
            account_public_key=public,
            kid=credential.eab_kid,
            hmac_key=credential.eab_hmac_key.get_secret_value(),
            directory=acme.directory,
        )
    registration = messages.NewRegistration.from_data(
        email=credential.email,
        terms_of_service_agreed=True,
        external_account_binding=eab,
    )
    try:
        regr = acme.new_account(registration)
    except acme_errors.ConflictError as found:
        return str(found.location)
    except Exception as exc:
        raise from_acme(exc, "ACME register account", account=True) from exc
    log.info("ACME account registered for %s at %s", credential.label, regr.uri)
    return str(regr.uri)
