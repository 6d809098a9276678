"""The composition root: the one place that builds concrete clients for the lifecycle.

:mod:`pancert.lifecycle` sees only the Protocols of :mod:`pancert.lifecycle.ports`; this
module opens a :class:`~pancert.panos.client.PanosClient` per firewall profile and one SCM
client per credential label, and the typed assignments at the bottom make mypy prove that
the concrete clients satisfy those Protocols.
"""

from __future__ import annotations

import logging
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

from pancert.config import LoadedConfig
from pancert.config.models import FirewallProfile
from pancert.panos.client import PanosClient, open_client
from pancert.panos.ha import HaPairClient, open_pair
from pancert.scm import open_ca
from pancert.scm.interface import CertificateAuthority as ScmClient

if TYPE_CHECKING:
    from pancert.lifecycle import ports
    from pancert.scm.admin import AdminApiClient
    from pancert.scm.enrollment import EnrollmentApiClient

log = logging.getLogger("pancert.lifecycle")

PANOS_TIMEOUT_S = 60.0


def open_firewall(
    firewall: FirewallProfile,
) -> AbstractAsyncContextManager[PanosClient | HaPairClient]:
    if firewall.tls_insecure:
        log.warning(
            "%s: paloalto_tls_insecure is true: the firewall's identity is NOT verified",
            firewall.source,
        )
    assert firewall.api_key is not None, "the loader marks profiles without a key as broken"
    if firewall.is_ha_pair:
        return open_pair(
            firewall.name,
            (firewall.urls[0], firewall.urls[1]),
            firewall.api_key,
            commit_user=firewall.commit_user,
            commit_description=firewall.commit_description,
            sync_timeout_s=firewall.ha_sync_timeout,
            ca_bundle=firewall.ca_bundle,
            fingerprint=firewall.tls_fingerprint,
            insecure=firewall.tls_insecure,
            timeout=PANOS_TIMEOUT_S,
        )
    return open_client(
        firewall.url,
        firewall.api_key,
        ca_bundle=firewall.ca_bundle,
        fingerprint=firewall.tls_fingerprint,
        insecure=firewall.tls_insecure,
        timeout=PANOS_TIMEOUT_S,
    )


class Connections:
    """Firewalls opened per use; one SCM client (one token, one bound on requests in
    flight) per credential label, created on first use and closed by :meth:`aclose`."""

    def __init__(self, loaded: LoadedConfig) -> None:
        self._loaded = loaded
        self._clients: dict[str, ScmClient] = {}

    def firewall(self, profile: FirewallProfile) -> AbstractAsyncContextManager[ports.Firewall]:
        """A :class:`PanosClient`, or for an HA pair (two ``paloalto_url`` entries) an
        :class:`HaPairClient` that writes through the active peer."""
        return open_firewall(profile)

    def firewall_diagnostics(
        self, profile: FirewallProfile
    ) -> AbstractAsyncContextManager[ports.FirewallDiagnostics]:
        return open_firewall(profile)

    def authority(self, label: str) -> ScmClient:
        if label not in self._clients:
            app = self._loaded.app
            self._clients[label] = open_ca(
                scm_url=app.scm_url,
                credential=self._loaded.credentials[label],
                auth_url=app.auth_url,
                ca_bundle=app.scm_ca_bundle,
            )
        return self._clients[label]

    def authority_diagnostics(self, label: str) -> ScmClient:
        return self.authority(label)

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()


def _typed_checks(
    panos: PanosClient,
    pair: HaPairClient,
    admin: AdminApiClient,
    rest: EnrollmentApiClient,
    wired: Connections,
) -> None:
    """Never called: mypy checks each concrete client against the port it is used as."""
    firewall: ports.Firewall = panos
    diagnostics: ports.FirewallDiagnostics = panos
    ha_pair: ports.Firewall = pair
    ha_diagnostics: ports.FirewallDiagnostics = pair
    ca_admin: ports.CertificateAuthority = admin
    ca_rest: ports.CertificateAuthority = rest
    ca_any: ports.CertificateAuthority = wired.authority("")
    checks_admin: ports.AuthorityDiagnostics = admin
    checks_rest: ports.AuthorityDiagnostics = rest
    connector: ports.Connector = wired
    diagnose: ports.DiagnosticsConnector = wired
    del (
        firewall,
        diagnostics,
        ha_pair,
        ha_diagnostics,
        ca_admin,
        ca_rest,
        ca_any,
        checks_admin,
        checks_rest,
    )
    del connector, diagnose
