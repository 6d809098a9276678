"""The sandbox's ACME CA: Pebble (Debian package ``pebble``) behind a small front that adds
ARI, with pebble-challtestsrv as the DNS that Pebble validates DNS-01 against.

``AcmeSandbox`` starts and stops them (children stopped by their own PIDs) and writes what a
configuration needs: the directory URL, an EAB key id and HMAC key, the CA bundle of Pebble's
TLS certificate, the DNS hook that publishes TXT records in challtestsrv, and Pebble's root
(regenerated at each start) for verifying issued chains.
"""

from __future__ import annotations

import base64
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pancert.sandbox.acme.processes import ChallTestSrv, Pebble, write_hook
from pancert.sandbox.acme.proxy import AcmeFront, AriState
from pancert.sandbox.ca import SandboxCA
from pancert.sandbox.server import LoopbackServer

ACME_LABEL = "ACME"
EAB_KID = "pancert-sandbox"


@dataclass(frozen=True)
class AcmeSandboxSettings:
    always_valid: bool = False
    """``PEBBLE_VA_ALWAYS_VALID``: every challenge answered is valid, no DNS involved."""
    eab: bool = True
    """External Account Binding required, as Sectigo requires it."""
    ari: bool = False
    """The front advertises ``renewalInfo`` and serves ARI windows."""


class AcmeSandbox:
    def __init__(
        self, folder: Path, ca: SandboxCA, ca_bundle: Path, settings: AcmeSandboxSettings
    ) -> None:
        self.folder = folder / "acme"
        self.ca = ca
        self.ca_bundle = ca_bundle
        self.settings = settings
        self.eab_hmac_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        self.ari = AriState(enabled=settings.ari)
        self.challtestsrv: ChallTestSrv | None = None
        self.pebble: Pebble | None = None
        self.front: LoopbackServer | None = None
        self.hook: Path | None = None
        self.roots: Path | None = None

    def start(self) -> AcmeSandbox:
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            self.challtestsrv = ChallTestSrv.start(self.folder)
            cert_pem, key_pem = self.ca.issue_tls_server()
            self.pebble = Pebble.start(
                self.folder,
                cert_pem=cert_pem,
                key_pem=key_pem,
                eab_keys={EAB_KID: self.eab_hmac_key} if self.settings.eab else {},
                dns_server=f"127.0.0.1:{self.challtestsrv.dns_port}",
                always_valid=self.settings.always_valid,
            )
            front = AcmeFront(self.pebble.url, str(self.ca_bundle), self.ari)
            self.front = LoopbackServer(front, self.ca).start()
            self.hook = write_hook(self.folder / "dns-hook.py", self.challtestsrv, sys.executable)
            self.roots = self.folder / "pebble-root.pem"
            self.roots.write_text(self.pebble.root_pem(self.ca_bundle))
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for part in (self.front, self.pebble, self.challtestsrv):
            if part is not None:
                part.stop()

    @property
    def directory(self) -> str:
        assert self.front is not None
        return f"{self.front.url}/dir"

    @property
    def dns_server(self) -> str:
        assert self.challtestsrv is not None
        return f"127.0.0.1:{self.challtestsrv.dns_port}"

    def describe(self) -> dict[str, Any]:
        return {
            "directory": self.directory,
            "eab_kid": EAB_KID if self.settings.eab else None,
            "eab_hmac_key": self.eab_hmac_key if self.settings.eab else None,
            "ca_bundle": str(self.ca_bundle),
            "dns_server": self.dns_server,
            "dns_hook": str(self.hook),
            "roots": str(self.roots),
            "ari": self.settings.ari,
        }

    def credential(self) -> dict[str, Any]:
        """The ``kind: acme`` label for sectigo_credentials.yaml."""
        data: dict[str, Any] = {
            "kind": "acme",
            "acme_directory_url": self.directory,
            "acme_contact_email": "pki@example.com",
            "acme_ca_bundle": str(self.ca_bundle),
            "acme_finalize_timeout": 60,
            "acme_dns_timeout": 30,
        }
        if self.settings.eab:
            data["acme_eab_kid"] = EAB_KID
            data["acme_eab_hmac_key"] = self.eab_hmac_key
        if self.settings.always_valid:
            data["acme_challenge"] = "respond-only"
        else:
            data["acme_challenge"] = "dns-01-hook"
            data["acme_dns_hook"] = str(self.hook)
            data["acme_dns_servers"] = [self.dns_server]
        return data
