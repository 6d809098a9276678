"""``pancert revoke``: revoke a profile's certificates at the CA, then replace or remove them.

Journalled like a rotation: ``ops/revocations/<profile>@<firewall>.json`` records each step
(atomic write + fsync) **before** its side effect, so a rerun after a crash resumes: each
certificate is revoked once (an "already revoked" answer to a repeated request counts as
done).

Without ``--remove`` the revoked object stays bound until a replacement is: the command then
runs a forced rotation of the profile (make-before-break: new key and order, rebind, then the
old object is deleted). With ``--remove`` the operator asks for the object to go now: it is
deleted and committed, bindings or not (PAN-OS refuses while something still uses it, and
the error lists what).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from pancert.config import LoadedConfig
from pancert.config.models import FirewallProfile
from pancert.errors import PancertError, UsageError
from pancert.fileio import atomic_write
from pancert.lifecycle.journal import Journal
from pancert.lifecycle.ports import Firewall
from pancert.ops.reasons import REASON_NAMES, REASONS
from pancert.panos.models import Location
from pancert.scm.errors import ScmRequestRejected

log = logging.getLogger("pancert.revoke")

ALREADY_REVOKED = -102
"""SCM: "Only issued certificates can be revoked" (both APIs)."""


def reason_code(text: str) -> int:
    key = text.replace("-", "").replace("_", "").replace(" ", "").lower()
    if key.isdigit() and int(key) in REASONS.values():
        return int(key)
    if key in REASONS:
        return REASONS[key]
    raise UsageError(
        f"--reason {text}: not a revocation reason (allowed: {', '.join(REASON_NAMES)})"
    )


class RevokeStep(StrEnum):
    INTENT = "INTENT"
    """About to ask the CA to revoke ``order_id``."""
    REVOKED = "REVOKED"
    """The CA revoked it; the object is still on the firewall."""
    REMOVE_INTENT = "REMOVE_INTENT"
    """About to delete the object and commit (``--remove``)."""
    REMOVED = "REMOVED"
    REPLACED = "REPLACED"
    """A rotation bound a new certificate and deleted the revoked object."""


_DONE = (RevokeStep.REMOVED, RevokeStep.REPLACED)


class Revocation(BaseModel):
    model_config = ConfigDict(extra="ignore")

    profile: str
    firewall: str
    order_id: int
    object_name: str | None
    reason: str
    reason_code: int
    remove: bool
    step: RevokeStep
    at: dt.datetime
    last_error: str | None = None


class Revoker(Protocol):
    """The one CA call revocation needs (both SCM clients have it)."""

    async def revoke(self, order_id: int, reason: str, *, reason_code: int = 0) -> None: ...


class RevokeConnector(Protocol):
    def firewall(self, profile: FirewallProfile) -> AbstractAsyncContextManager[Firewall]: ...

    def authority(self, label: str) -> Revoker: ...


@dataclass
class PairRevocation:
    profile: str
    firewall: str
    ok: bool
    message: str


class RevocationJournal:
    def __init__(self, state_path: Path) -> None:
        self.folder = state_path / "ops" / "revocations"

    def path_for(self, profile: str, firewall: str) -> Path:
        return self.folder / f"{profile}@{firewall}.json"

    def load(self, profile: str, firewall: str) -> Revocation | None:
        try:
            return Revocation.model_validate_json(self.path_for(profile, firewall).read_bytes())
        except FileNotFoundError:
            return None

    def save(self, record: Revocation, step: RevokeStep, now: dt.datetime) -> Revocation:
        record.step, record.at = step, now
        atomic_write(
            self.path_for(record.profile, record.firewall), record.model_dump_json(indent=2)
        )
        return record


@dataclass
class RevokeRequest:
    profile: str
    reason: str
    reason_code: int
    remove: bool
    commit_timeout: float
    clock: Callable[[], dt.datetime]
    sleep: Callable[[float], Awaitable[None]]


async def revoke_profile(
    loaded: LoadedConfig, request: RevokeRequest, connector: RevokeConnector
) -> list[PairRevocation]:
    """Revoke (and with ``remove`` delete) every pair of the profile; one pair's failure
    never stops the others."""
    profile = loaded.profiles[request.profile]
    journal = Journal(loaded.state_path)
    revocations = RevocationJournal(loaded.state_path)
    results = []
    earlier = {f: revocations.load(profile.name, f) for f in profile.firewall_profiles}
    unfinished = {f: r for f, r in earlier.items() if r is not None and r.step not in _DONE}
    for fw_name in profile.firewall_profiles:
        record = journal.load(profile.name, fw_name)
        saved = unfinished.get(fw_name)
        if unfinished and saved is None and earlier[fw_name] is not None:
            continue  # resuming an interrupted revocation: pairs it finished stay untouched
        if saved is None:
            if record is None or record.current_order_id is None:
                results.append(
                    PairRevocation(
                        profile.name, fw_name, False, "no certificate recorded to revoke"
                    )
                )
                continue
            saved = Revocation(
                profile=profile.name,
                firewall=fw_name,
                order_id=record.current_order_id,
                object_name=record.current_object,
                reason=request.reason,
                reason_code=request.reason_code,
                remove=request.remove,
                step=RevokeStep.INTENT,
                at=request.clock(),
            )
            saved = revocations.save(saved, RevokeStep.INTENT, request.clock())
        results.append(await _one(loaded, request, connector, revocations, saved))
    return results


async def _one(
    loaded: LoadedConfig,
    request: RevokeRequest,
    connector: RevokeConnector,
    revocations: RevocationJournal,
    saved: Revocation,
) -> PairRevocation:
    where = f"{saved.profile} on {saved.firewall}"
    try:
        if saved.step is RevokeStep.INTENT:
            ca = connector.authority(loaded.profiles[saved.profile].credential)
            try:
                await ca.revoke(
                    saved.order_id,
                    f"{saved.reason} (pancert revoke)",
                    reason_code=saved.reason_code,
                )
            except ScmRequestRejected as exc:
                # the request was sent before a crash: SCM now says it is not issued any more
                if exc.code != ALREADY_REVOKED:
                    raise
            saved = revocations.save(saved, RevokeStep.REVOKED, request.clock())
            log.info("%s: order %s revoked (%s)", where, saved.order_id, saved.reason)
        if saved.remove and saved.step in (RevokeStep.REVOKED, RevokeStep.REMOVE_INTENT):
            saved = revocations.save(saved, RevokeStep.REMOVE_INTENT, request.clock())
            await _remove(loaded, request, connector, saved)
            saved = revocations.save(saved, RevokeStep.REMOVED, request.clock())
            return PairRevocation(
                saved.profile, saved.firewall, True,
                f"order {saved.order_id} revoked; {saved.object_name} deleted and committed",
            )  # fmt: skip
    except PancertError as exc:
        saved.last_error = f"{exc}" + (f"; hint: {exc.hint}" if exc.hint else "")
        revocations.save(saved, saved.step, request.clock())
        return PairRevocation(saved.profile, saved.firewall, False, saved.last_error)
    return PairRevocation(
        saved.profile, saved.firewall, True, f"order {saved.order_id} revoked; replacing it"
    )


async def _remove(
    loaded: LoadedConfig, request: RevokeRequest, connector: RevokeConnector, saved: Revocation
) -> None:
    firewall = loaded.firewalls[saved.firewall]
    if firewall.commit_user is None:
        error = PancertError(f"{firewall.source}: paloalto_commit_user: required to commit")
        error.hint = "set it to the admin the API key belongs to"
        raise error
    location = Location(loaded.profiles[saved.profile].location)
    async with connector.firewall(firewall) as fw:
        names = {entry.name for entry in await fw.certificates(location)}
        if saved.object_name is not None and saved.object_name in names:
            await fw.delete_certificate(saved.object_name, location)
        result = await fw.commit(firewall.commit_user, firewall.commit_description)
        if result.job_id is not None:
            await fw.wait_for_job(result.job_id, request.commit_timeout, sleep=request.sleep)


def mark_replaced(loaded: LoadedConfig, profile: str, now: dt.datetime) -> list[str]:
    """After the forced rotation: pairs whose revoked order is no longer the current one."""
    journal = Journal(loaded.state_path)
    revocations = RevocationJournal(loaded.state_path)
    waiting = []
    for fw_name in loaded.profiles[profile].firewall_profiles:
        saved = revocations.load(profile, fw_name)
        if saved is None or saved.step is not RevokeStep.REVOKED or saved.remove:
            continue
        record = journal.load(profile, fw_name)
        if record is not None and record.current_order_id not in (None, saved.order_id):
            revocations.save(saved, RevokeStep.REPLACED, now)
        else:
            waiting.append(fw_name)
    return waiting
