"""The composition root: the one place that builds concrete clients for the lifecycle.

:mod:`pancert.lifecycle` sees only the Protocols of :mod:`pancert.lifecycle.ports`; this
module opens a :class:`~pancert.panos.client.PanosClient` per firewall profile and one SCM
client per credential label, and the typed assignments at the bottom make mypy prove that
the concrete clients satisfy those Protocols.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

from pancert.config import LoadedConfig
from pancert.config.models import FirewallProfile
from pancert.panos.client import PanosClient, open_client
from pancert.panos.ha import HaPairClient, open_pair
from pancert.panos.identity import PinStore
from pancert.panos.panorama import DeviceInfo, open_through_panorama
from pancert.panos.panorama import managed_devices as list_devices
from pancert.scm import open_ca
from pancert.scm.interface import CertificateAuthority as ScmClient

if TYPE_CHECKING:
    from pancert.acme import AcmeAuthority
    from pancert.lifecycle import ports
    from pancert.lifecycle.schedule import RenewalAdvisor
    from pancert.panos.panorama import ManagedFirewall
    from pancert.panos.template import TemplateClient
    from pancert.scm.admin import AdminApiClient
    from pancert.scm.enrollment import EnrollmentApiClient

log = logging.getLogger("pancert.lifecycle")

PANOS_TIMEOUT_S = 60.0


def open_firewall(
    firewall: FirewallProfile, learned_pins: Sequence[str] = ()
) -> AbstractAsyncContextManager[PanosClient | HaPairClient]:
    if firewall.resolved_panorama is not None:
        # a managed firewall or a template: one more implementation of ports.Firewall
        return open_through_panorama(firewall, timeout=PANOS_TIMEOUT_S)
    if firewall.tls_insecure:
        log.warning(
            "%s: paloalto_tls_insecure is true: the firewall's identity is NOT verified",
            firewall.source,
        )
    assert firewall.url is not None, "a profile without paloalto_panorama has a URL"
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
            learned_pins=learned_pins,
        )
    return open_client(
        firewall.url,
        firewall.api_key,
        ca_bundle=firewall.ca_bundle,
        fingerprint=firewall.tls_fingerprint,
        insecure=firewall.tls_insecure,
        timeout=PANOS_TIMEOUT_S,
        learned_pins=learned_pins,
    )


class Connections:
    """Firewalls opened per use; one SCM client (one token, one bound on requests in
    flight) per credential label, created on first use and closed by :meth:`aclose`."""

    def __init__(self, loaded: LoadedConfig) -> None:
        self._loaded = loaded
        self._clients: dict[str, ScmClient] = {}

    def firewall(
        self, profile: FirewallProfile
    ) -> AbstractAsyncContextManager[PanosClient | HaPairClient]:
        """A :class:`PanosClient` (or its Panorama variants), or for an HA pair (two
        ``paloalto_url`` entries) an :class:`HaPairClient` that writes through the active
        peer; trusting, besides the configured identity, the management certificates
        earlier runs installed (see :mod:`pancert.panos.identity`)."""
        pins = PinStore(self._loaded.state_path).learned(profile.name)
        return open_firewall(profile, pins)

    def firewall_diagnostics(
        self, profile: FirewallProfile
    ) -> AbstractAsyncContextManager[PanosClient | HaPairClient]:
        return self.firewall(profile)

    def authority(self, label: str) -> ScmClient:
        if label not in self._clients:
            app = self._loaded.app
            acme = self._loaded.acme_credentials.get(label)
            if acme is not None:
                # ``kind: acme`` labels: an RFC 8555 account, its calls serialized by itself;
                # imported here because requests and dnspython weigh on every run's start-up
                from pancert.acme import AcmeAuthority  # noqa: PLC0415

                self._clients[label] = AcmeAuthority(
                    acme, self._loaded.state_path, gnupg_home=app.gnupg_home
                )
                return self._clients[label]
            self._clients[label] = open_ca(
                scm_url=app.scm_url,
                credential=self._loaded.credentials[label],
                auth_url=app.auth_url,
                ca_bundle=app.scm_ca_bundle,
            )
        return self._clients[label]

    def authority_diagnostics(self, label: str) -> ScmClient:
        return self.authority(label)

    async def managed_devices(self, panorama: FirewallProfile) -> list[DeviceInfo]:
        async with self.firewall(panorama) as client:
            # the loader refuses a Panorama profile naming two peers (config/_reader.py)
            assert isinstance(client, PanosClient)
            return await list_devices(client)

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()


def _typed_checks(
    panos: PanosClient,
    admin: AdminApiClient,
    rest: EnrollmentApiClient,
    acme: AcmeAuthority,
    wired: Connections,
    *,
    pair: HaPairClient,
    managed: ManagedFirewall,
    template: TemplateClient,
) -> None:
    """Never called: mypy checks each concrete client against the port it is used as."""
    through_panorama: ports.Firewall = managed
    in_template: ports.Firewall = template
    del through_panorama, in_template
    firewall: ports.Firewall = panos
    diagnostics: ports.FirewallDiagnostics = panos
    ha_pair: ports.Firewall = pair
    ha_diagnostics: ports.FirewallDiagnostics = pair
    ca_admin: ports.CertificateAuthority = admin
    ca_rest: ports.CertificateAuthority = rest
    ca_acme: ports.CertificateAuthority = acme
    checks_acme: ports.AuthorityDiagnostics = acme
    advisor: RenewalAdvisor = acme
    ca_any: ports.CertificateAuthority = wired.authority("")
    checks_admin: ports.AuthorityDiagnostics = admin
    checks_rest: ports.AuthorityDiagnostics = rest
    connector: ports.Connector = wired
    diagnose: ports.DiagnosticsConnector = wired
    del firewall, diagnostics, ca_admin, ca_rest, ca_any, checks_admin, checks_rest
    del ha_pair, ha_diagnostics, ca_acme, checks_acme, advisor
    del connector, diagnose
