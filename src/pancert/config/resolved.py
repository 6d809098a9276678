"""A certificate profile resolved once for the lifecycle: nothing downstream re-derives it.

Loading validates each file; resolving turns a valid :class:`CertificateProfile` into what
a run acts on — DNS names and IP addresses apart, the key algorithm as one enum, the firewall
profiles it targets as a list, the state the planner compares against (:class:`Wanted`), and
the CSR and enroll requests built once (each rotation only fills in its object name, each
order its CSR and request id).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pancert.config.models import FirewallProfile
from pancert.config.profile import CertificateProfile
from pancert.panos.models import CsrRequest, KeyAlgorithm, Location
from pancert.scm.models import EnrollRequest


@dataclass(frozen=True)
class Wanted:
    """What a certificate profile asks for, in the terms the planner compares."""

    profile: str
    common_name: str
    dns_names: tuple[str, ...]
    """The DNS SANs (CN first); IP addresses are not compared (PAN-OS reports DNS SANs)."""
    key_type: KeyAlgorithm
    key_size: int
    window_days: int
    force_renewal: bool
    auto_renew: bool
    content_hash: str


@dataclass(frozen=True)
class ResolvedProfile:
    profile: CertificateProfile
    firewalls: tuple[FirewallProfile, ...]
    wanted: Wanted
    csr: CsrRequest
    """Named like the profile; :meth:`csr_for` names it after a rotation's object."""
    enroll: EnrollRequest
    """Without CSR and request id; :meth:`enroll_for` adds them."""

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def source(self) -> Path:
        return self.profile.source

    @property
    def location(self) -> Location:
        return Location(self.profile.location)

    def csr_for(self, object_name: str) -> CsrRequest:
        return dataclasses.replace(self.csr, name=object_name)

    def enroll_for(self, csr_pem: str, request_id: str) -> EnrollRequest:
        return dataclasses.replace(self.enroll, csr_pem=csr_pem, request_id=request_id)


def wanted_for(profile: CertificateProfile) -> Wanted:
    return Wanted(
        profile=profile.name,
        common_name=profile.common_name,
        dns_names=profile.dns_names,
        key_type=profile.key_type,
        key_size=profile.key_size,
        window_days=profile.expiry_window_days,
        force_renewal=profile.force_renewal,
        auto_renew=profile.auto_renew,
        content_hash=profile.content_hash(),
    )


def resolve(
    profile: CertificateProfile, firewalls: Mapping[str, FirewallProfile]
) -> ResolvedProfile:
    """``firewalls`` holds every firewall profile the loader found; a profile naming one that
    is missing is broken and never reaches here."""
    csr = CsrRequest(
        name=profile.name,
        common_name=profile.common_name,
        algorithm=profile.key_type,
        key_size=profile.key_size,
        dns_names=profile.dns_names,
        ip_addresses=profile.ip_addresses,
        country=profile.country,
        state=profile.state,
        locality=profile.locality,
        organization=profile.organization,
        organizational_units=(profile.organization_unit,) if profile.organization_unit else (),
        email=profile.email,
    )
    enroll = EnrollRequest(
        csr_pem="",
        common_name=profile.common_name,
        dns_names=profile.dns_names,
        request_id="",
        cert_type=profile.cert_type,
        term_days=profile.term_days,
        org_id=profile.org_id,
        comments=profile.comments,
        external_requester=profile.external_requester,
        custom_fields=dict(profile.custom_fields),
        num_servers=profile.num_servers,
        server_type=profile.server_type,
    )
    return ResolvedProfile(
        profile=profile,
        firewalls=tuple(firewalls[name] for name in profile.firewall_profiles),
        wanted=wanted_for(profile),
        csr=csr,
        enroll=enroll,
    )
