"""An HA pair of firewalls as one firewall: reads and writes through the active peer, the
new configuration confirmed on the passive one.

The rules follow Palo Alto's admin guide for HA pairs — change only the active (or
active-primary) peer and let config sync carry the change
(https://docs.paloaltonetworks.com/pan-os/10-0/pan-os-admin/high-availability/reference-ha-synchronization/what-settings-dont-sync-in-activepassive-ha)
— and the state fields of ``show high-availability state`` (``local-info/state``,
``running-sync``, ``running-sync-enabled``) that pan-os-python reads too
(https://github.com/PaloAltoNetworks/pan-os-python/blob/develop/panos/base.py,
``refresh_ha_active`` and ``config_sync_state``).

1. On open, both peers are asked for their HA state. Exactly one must be ``active*`` (in
   active/active, ``active-primary``), and config sync must be enabled; anything else is a
   failure with a hint, never a guess.
2. Every read and write goes to the active peer. A write refused with code 15 means the pair
   failed over during the run: the call is not retried anywhere (the candidate changes made so
   far stayed on the old active); the run stops for the pair and the next one resumes on the
   new active from the journal.
3. A CSR's key exists only on the peer that generated it until a commit syncs it. Before the
   CSR is handed out for ordering (:meth:`HaPairClient.export_csr`), the pending entry is
   committed and synced, so a failover after the order still finds the key: one order per
   rotation, whichever peer is active when the certificate arrives.
4. Reads of the *running* configuration (pancert's check after its commit) first wait until
   ``running-sync`` reads ``synchronized`` (bounded by ``paloalto_ha_sync_timeout``) and then
   read the passive peer: what is confirmed there is what a failover would serve.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import SecretStr

from pancert.errors import PanosError
from pancert.panos.client import PanosClient, open_client
from pancert.panos.errors import PanosApiError, PassiveHaPeerError
from pancert.panos.ha_choice import (
    FailoverDuringRunError,
    HaPairError,
    HaSyncDisabledError,
    HaSyncTimeoutError,
    NoActivePeerError,
    PassiveMismatchError,
    choose_active,
    describe_states,
)
from pancert.panos.jobs import FIRST_POLL_S as FIRST_JOB_POLL_S
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
from pancert.panos.snapshot import ConfigSnapshot

log = logging.getLogger("pancert.panos")
_T = TypeVar("_T")
Sleep = Callable[[float], Awaitable[None]]

FIRST_POLL_S = 0.5
MAX_POLL_S = 10.0


class HaPairClient:
    """Two :class:`PanosClient` peers as one firewall (the methods the lifecycle uses)."""

    def __init__(
        self,
        name: str,
        peers: tuple[PanosClient, PanosClient],
        urls: tuple[str, str],
        *,
        commit_user: str | None,
        commit_description: str,
        sync_timeout_s: float,
        commit_timeout_s: float = 1800.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.name = name
        self.peers = peers
        self.urls = urls
        self.commit_user = commit_user
        self.commit_description = commit_description
        self.sync_timeout_s = sync_timeout_s
        self.commit_timeout_s = commit_timeout_s
        self._sleep = sleep
        self._active: int | None = None

    # -- roles ----------------------------------------------------------------------------

    @property
    def active(self) -> PanosClient:
        if self._active is None:
            raise NoActivePeerError(f"HA pair {self.name}: the active peer is not known yet")
        return self.peers[self._active]

    @property
    def passive(self) -> PanosClient:
        return self.peers[1 - self._index()]

    @property
    def active_url(self) -> str:
        return self.urls[self._index()]

    def _index(self) -> int:
        if self._active is None:
            raise NoActivePeerError(f"HA pair {self.name}: the active peer is not known yet")
        return self._active

    async def resolve(self) -> int:
        """Read both peers' HA state and pick the one to write to (its index)."""
        states: list[HaState] = []
        for url, peer in zip(self.urls, self.peers, strict=True):
            try:
                states.append(await peer.ha_state())
            except PanosError as exc:
                raise NoActivePeerError(
                    f"HA pair {self.name}: cannot read the HA state of {url}: {exc}"
                ) from exc
        chosen = choose_active(self.name, self.urls, states)
        if self._active is not None and self._active != chosen:
            log.warning("HA pair %s: the active peer is now %s", self.name, self.urls[chosen])
        self._active = chosen
        log.info(
            "HA pair %s: writing to the active peer %s (%s)",
            self.name,
            self.urls[chosen],
            describe_states(states, self.urls),
        )
        return chosen

    async def _write(self, call: Callable[[PanosClient], Awaitable[_T]]) -> _T:
        try:
            return await call(self.active)
        except PassiveHaPeerError as exc:
            before = self.active_url
            try:
                await self.resolve()
                now = f"now {self.active_url} is active"
            except PanosError as again:
                now = f"and now: {again}"
            raise FailoverDuringRunError(
                f"HA pair {self.name}: {before} refused a write as the passive peer (the pair "
                f"failed over during the run; {now}); nothing was retried, the next run resumes"
            ) from exc

    # -- facts ----------------------------------------------------------------------------

    async def ha_state(self) -> HaState:
        """The active peer's state, re-read: a failover since :meth:`resolve` is an error."""
        state = await self.active.ha_state()
        if not state.active:
            before = self.active_url
            await self.resolve()
            raise FailoverDuringRunError(
                f"HA pair {self.name}: {before} is {state.local_state} now (failed over during "
                f"the run; {self.active_url} is active); nothing was retried"
            )
        return state

    async def version(self) -> str:
        return await self.active.version()

    async def system_info(self) -> SystemInfo:
        return await self.active.system_info()

    async def pending_changes(self) -> bool:
        return await self.active.pending_changes()

    # -- reads ----------------------------------------------------------------------------

    async def certificates(
        self, location: Location, *, running: bool = False
    ) -> list[CertificateEntry]:
        if running:
            await self.wait_synchronized()
            return await self.passive.certificates(location, running=True)
        return await self.active.certificates(location)

    async def snapshot(self, *, running: bool = False) -> ConfigSnapshot:
        if running:
            await self.wait_synchronized()
            return await self.passive.snapshot(running=True)
        return await self.active.snapshot()

    async def references_to(
        self, name: str, location: Location, *, running: bool = False
    ) -> list[Reference]:
        return (await self.snapshot(running=running)).references_to(name, location)

    async def binding(self, kind: ReferenceKind, name: str, location: Location) -> Reference:
        return await self.active.binding(kind, name, location)

    async def export_certificate(self, name: str, location: Location) -> str:
        return await self.active.export_certificate(name, location)

    async def check_owner(self, xpath: str, commit_user: str) -> None:
        await self.active.check_owner(xpath, commit_user)

    async def _job_peer(self, job_id: int) -> PanosClient:
        """Job ids are per device: a commit journaled before a failover ran on the peer that
        is passive now, so a job the active peer does not know is looked up there."""
        try:
            await self.active.job(job_id)
        except PanosApiError:
            try:
                await self.passive.job(job_id)
            except PanosApiError:
                return self.active  # known nowhere: let the active peer's error speak
            return self.passive
        return self.active

    async def job(self, job_id: int) -> JobResult:
        return await (await self._job_peer(job_id)).job(job_id)

    async def wait_for_job(
        self,
        job_id: int,
        timeout_s: float,
        *,
        first_delay_s: float = FIRST_JOB_POLL_S,
        sleep: Sleep = asyncio.sleep,
    ) -> JobResult:
        peer = await self._job_peer(job_id)
        return await peer.wait_for_job(job_id, timeout_s, first_delay_s=first_delay_s, sleep=sleep)

    def expect_management_certificate(self, chain_pem: str | bytes | Sequence[str]) -> str:
        """Either peer may present this leaf after the commit and the sync (each peer's
        management selection is its own), so both clients may adopt it. Returns the
        leaf's SHA-256 (the same for both), for what later runs trust."""
        fingerprints = {peer.expect_management_certificate(chain_pem) for peer in self.peers}
        return fingerprints.pop()

    # -- writes ---------------------------------------------------------------------------

    async def generate_csr(self, request: CsrRequest, location: Location) -> str:
        return await self._write(lambda fw: fw.generate_csr(request, location))

    async def export_csr(self, name: str, location: Location) -> str:
        """The CSR, once its pending entry (and key) is on both peers (module docstring, 3)."""
        await self._make_durable(name, location)
        return await self.active.export_csr(name, location)

    async def import_certificate(
        self, name: str, location: Location, chain: bytes | str | Sequence[bytes | str]
    ) -> str:
        return await self._write(lambda fw: fw.import_certificate(name, location, chain))

    async def delete_certificate(self, name: str, location: Location) -> None:
        await self._write(lambda fw: fw.delete_certificate(name, location))

    async def rebind(self, reference: Reference, new_name: str) -> None:
        await self._write(lambda fw: fw.rebind(reference, new_name))

    async def commit(self, admin: str, description: str | None = None) -> CommitResult:
        return await self._write(lambda fw: fw.commit(admin, description))

    # -- sync -----------------------------------------------------------------------------

    async def wait_synchronized(self) -> HaState:
        """Poll the active peer until ``running-sync`` reads ``synchronized``."""
        started, delay = time.monotonic(), FIRST_POLL_S
        waited = 0.0
        while True:
            state = await self.ha_state()
            if state.sync_enabled is False:
                raise HaSyncDisabledError(
                    f"HA pair {self.name}: config sync was disabled during the run"
                )
            if state.synchronized:
                return state
            if waited + delay > self.sync_timeout_s:
                raise HaSyncTimeoutError(
                    f"HA pair {self.name}: running-sync still reads {state.running_sync!r} "
                    f"after {max(waited, time.monotonic() - started):.0f} s "
                    f"(paloalto_ha_sync_timeout: {self.sync_timeout_s:g})"
                )
            await self._sleep(delay)
            waited += delay
            delay = min(delay * 2, MAX_POLL_S)

    async def _make_durable(self, name: str, location: Location) -> None:
        if any(e.name == name for e in await self.passive.certificates(location, running=True)):
            return
        if self.commit_user is None:
            raise HaPairError(
                f"HA pair {self.name}: paloalto_commit_user is required to sync a new key to "
                "the passive peer before ordering"
            )
        user = self.commit_user
        result = await self._write(
            lambda fw: fw.commit(user, f"{self.commit_description}: CSR {name} to both peers")
        )
        if result.job_id is not None:
            await self.active.wait_for_job(result.job_id, self.commit_timeout_s, sleep=self._sleep)
        await self.wait_synchronized()
        if not any(e.name == name for e in await self.passive.certificates(location, running=True)):
            raise PassiveMismatchError(
                f"HA pair {self.name}: the CSR entry {name} is not on the passive peer after "
                "the sync; not ordered"
            )
        log.info("HA pair %s: CSR entry %s is on both peers", self.name, name)


@contextlib.asynccontextmanager
async def open_pair(
    name: str,
    urls: tuple[str, str],
    api_key: SecretStr | str,
    *,
    commit_user: str | None,
    commit_description: str,
    sync_timeout_s: float,
    ca_bundle: Path | None = None,
    fingerprint: str | None = None,
    insecure: bool = False,
    timeout: float = 30.0,
    learned_pins: Sequence[str] = (),
) -> AsyncIterator[HaPairClient]:
    """Both peers' clients for the ``async with`` block, the active one already chosen."""
    async with contextlib.AsyncExitStack() as stack:
        peers = [
            await stack.enter_async_context(
                open_client(
                    url,
                    api_key,
                    ca_bundle=ca_bundle,
                    fingerprint=fingerprint,
                    insecure=insecure,
                    timeout=timeout,
                    learned_pins=learned_pins,
                )
            )
            for url in urls
        ]
        pair = HaPairClient(
            name,
            (peers[0], peers[1]),
            urls,
            commit_user=commit_user,
            commit_description=commit_description,
            sync_timeout_s=sync_timeout_s,
        )
        await pair.resolve()
        yield pair
