"""What the lifecycle needs from the outside world, and nothing more.

The lifecycle (gather → decide → execute) talks to a firewall and a certificate authority
only through the Protocols below; it never imports a concrete client. The composition root
(:mod:`pancert.wiring`) hands it :class:`pancert.panos.client.PanosClient` and the SCM
clients (:mod:`pancert.scm.admin`, :mod:`pancert.scm.enrollment`), which satisfy these
Protocols structurally (checked by typed assignments in ``pancert.wiring``). An HA pair, a
Panorama-proxied device or an ACME CA slots in by implementing the same Protocol; tests use
hand-written fakes (``tests/lifecycle/fakes.py``).

``validate --online`` asks different questions (who am I, which product will I order) and
uses its own, separate diagnostics Protocols, so the rotation interface stays narrow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from pancert.config.models import FirewallProfile
from pancert.panos.models import (
    CertificateEntry,
    CommitResult,
    CsrRequest,
    HaState,
    JobResult,
    Location,
    Reference,
    ReferenceKind,
    SystemInfo,
)
from pancert.panos.panorama import DeviceInfo
from pancert.panos.snapshot import ConfigSnapshot
from pancert.scm.models import (
    ApiKind,
    EnrollRequest,
    IssuedChain,
    OrderDetails,
    OrderLookup,
    OrderRef,
    Pending,
    ResolvedProduct,
)

Sleep = Callable[[float], Awaitable[None]]


class Firewall(Protocol):
    """The operations a rotation performs on one firewall (candidate configuration unless
    ``running=True``). Every method raises a :class:`pancert.errors.PancertError` subclass
    whose ``hint`` says what to do; the lifecycle passes that error on unchanged."""

    async def ha_state(self) -> HaState:
        """A passive HA peer refuses writes; the run stops before its first write."""
        ...

    async def certificates(self, location: Location) -> list[CertificateEntry]:
        """Every certificate entry of ``location`` in the candidate configuration."""
        ...

    async def generate_csr(self, request: CsrRequest, location: Location) -> str:
        """Key pair and CSR made on the firewall; the private key never leaves it."""
        ...

    async def export_csr(self, name: str, location: Location) -> str: ...

    async def import_certificate(self, name: str, location: Location, chain: Sequence[str]) -> str:
        """The issued chain onto the pending entry ``name`` (which holds the key)."""
        ...

    async def delete_certificate(self, name: str, location: Location) -> None:
        """Raises :class:`pancert.panos.errors.StillReferencedError` while something uses it."""
        ...

    async def snapshot(self, *, running: bool = False) -> ConfigSnapshot:
        """Where every certificate is used, in one read."""
        ...

    async def binding(self, kind: ReferenceKind, name: str, location: Location) -> Reference:
        """The node a profile's ``paloalto_bindings`` entry names, ready for :meth:`rebind`."""
        ...

    async def rebind(self, reference: Reference, new_name: str) -> None: ...

    async def check_owner(self, xpath: str, commit_user: str) -> None:
        """Raises when the candidate change at ``xpath`` belongs to another admin."""
        ...

    async def commit(self, admin: str, description: str | None = None) -> CommitResult:
        """Partial commit of ``admin``'s changes only."""
        ...

    async def job(self, job_id: int) -> JobResult: ...

    def expect_management_certificate(self, chain_pem: Sequence[str]) -> str:
        """The next commit binds ``chain_pem`` to the management interface, so the API's
        TLS identity changes with it: accept that leaf. Returns its SHA-256 fingerprint
        (remembered for later runs)."""
        ...

    async def wait_for_job(self, job_id: int, timeout_s: float, *, sleep: Sleep) -> JobResult:
        """Raises :class:`pancert.panos.errors.CommitFailedError` or ``JobTimeoutError``."""
        ...


class CertificateAuthority(Protocol):
    """The four things a rotation asks of a CA."""

    async def enroll(self, request: EnrollRequest) -> OrderRef:
        """Place one order. Never retried blindly: a transport failure after sending raises
        :class:`pancert.scm.errors.ScmOutcomeUnknown`, and the next run looks it up."""
        ...

    async def collect(self, order_id: int) -> IssuedChain | Pending: ...

    async def find_order(
        self, request_id: str, common_name: str, since: dt.datetime
    ) -> OrderLookup:
        """The order carrying ``request_id``; ``UNSUPPORTED`` where the API cannot list."""
        ...

    async def retire_superseded(
        self, old_order_id: int, new_order_id: int, *, revoke: bool
    ) -> None:
        """After a rotation is deployed: revoke the superseded order (``revoke=True``,
        RFC 5280 reason 4, superseded) or record the renewal where the API keeps such
        bookkeeping."""
        ...


class Connector(Protocol):
    """Opens the outside world for one run (the composition root implements it)."""

    def firewall(self, profile: FirewallProfile) -> AbstractAsyncContextManager[Firewall]: ...

    def authority(self, label: str) -> CertificateAuthority:
        """One CA client per credential label, shared by the run's pairs."""
        ...


class FirewallDiagnostics(Protocol):
    """What ``validate --online`` reads from a firewall; it changes nothing."""

    async def version(self) -> str: ...

    async def system_info(self) -> SystemInfo: ...

    async def ha_state(self) -> HaState: ...

    async def certificates(self, location: Location) -> list[CertificateEntry]: ...


class AuthorityDiagnostics(Protocol):
    """What ``validate --online`` asks a CA; it orders nothing."""

    @property
    def api(self) -> ApiKind: ...

    async def check_access(self) -> str:
        """Log in and make one harmless read; returns what was checked."""
        ...

    async def resolve_product(self, request: EnrollRequest) -> ResolvedProduct:
        """Type, term and organization an order for ``request`` will carry."""
        ...

    async def details(self, order_id: int) -> OrderDetails: ...


class DiagnosticsConnector(Protocol):
    def firewall_diagnostics(
        self, profile: FirewallProfile
    ) -> AbstractAsyncContextManager[FirewallDiagnostics]: ...

    def authority_diagnostics(self, label: str) -> AuthorityDiagnostics: ...

    async def managed_devices(self, panorama: FirewallProfile) -> list[DeviceInfo]:
        """The devices the Panorama of profile ``panorama`` manages, with their state."""
        ...

    async def aclose(self) -> None: ...
