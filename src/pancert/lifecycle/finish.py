"""IMPORTED → DEPLOYED: one commit per firewall, a check of what is running, bookkeeping.

The commit job id goes into the journal before the wait, so a run killed while PAN-OS
commits polls that job next time instead of committing again. A reply of "no changes" when
changes were expected is not trusted: the running configuration decides.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from cryptography import x509

from pancert.errors import ConfigError, PancertError, Problem
from pancert.lifecycle.failures import StepFailed
from pancert.lifecycle.journal import SeenCertificate, Step
from pancert.lifecycle.pair import RunSettings
from pancert.lifecycle.ports import Firewall
from pancert.lifecycle.rotate import Context
from pancert.panos.errors import CommitFailedError, JobTimeoutError
from pancert.panos.models import Location
from pancert.panos.snapshot import ConfigSnapshot

log = logging.getLogger("pancert.lifecycle")

Done = Callable[[Context, str], None]
FailAll = Callable[[list[Context], PancertError], Awaitable[None]]


def issued_not_after(ctx: Context) -> dt.datetime | None:
    rotation = ctx.record.rotation
    if rotation is None or not rotation.chain_pem:
        return None
    return x509.load_pem_x509_certificates(rotation.chain_pem[0].encode())[0].not_valid_after_utc


async def commit(fw: Firewall, contexts: list[Context]) -> PancertError | None:
    """One admin-scoped partial commit for the firewall; the error, or None when the
    commit succeeded or there was nothing to commit (the running configuration decides)."""
    firewall = contexts[0].pair.firewall
    settings = contexts[0].settings
    user = firewall.commit_user
    if user is None:
        return ConfigError(
            [
                Problem(
                    str(firewall.source),
                    "paloalto_commit_user",
                    "required to commit (the admin the API key belongs to)",
                )
            ]
        )
    rotations = [c for c in contexts if c.record.rotation is not None]
    earlier = {c.rotation.commit_job for c in rotations if c.rotation.commit_job is not None}
    try:
        for job_id in earlier:
            job = await fw.job(job_id)
            if not job.finished:
                await fw.wait_for_job(job_id, settings.commit_timeout, sleep=_sleep(settings))
        result = await fw.commit(user, firewall.commit_description)
        if result.job_id is None:
            log.info(
                "%s: the firewall reports nothing to commit (%s); checking the running "
                "configuration",
                firewall.name,
                result.message,
            )
            return None
        for ctx in rotations:
            ctx.rotation.commit_job = result.job_id
            await ctx.save()
        log.info("%s: commit job %s started as %s", firewall.name, result.job_id, user)
        job = await fw.wait_for_job(result.job_id, settings.commit_timeout, sleep=_sleep(settings))
        log.info("%s: commit job %s finished: %s", firewall.name, job.job_id, job.result)
    except (CommitFailedError, JobTimeoutError) as exc:
        return StepFailed(
            "PAN-OS commit",
            exc,
            hint=exc.hint or "the changes stay in the candidate and the next run commits them",
        )
    except PancertError as exc:
        return StepFailed("PAN-OS commit", exc)
    return None


async def deploy(fw: Firewall, contexts: list[Context], done: Done, fail_all: FailAll) -> None:
    """After a successful commit: check what is running (one read for the firewall), then
    record DEPLOYED."""
    if not contexts:
        return
    try:
        running = await fw.snapshot(running=True)
    except PancertError as exc:
        await fail_all(contexts, StepFailed("PAN-OS read running configuration", exc))
        return
    for ctx in contexts:
        problem = _running_problem(running, ctx)
        if problem:
            await fail_all([ctx], StepFailed("PAN-OS commit", problem))
            continue
        await _deployed(ctx)
        done(ctx, f"deployed {ctx.record.current_object}")


def _sleep(settings: RunSettings) -> Callable[[float], Awaitable[None]]:
    return settings.sleep or asyncio.sleep


def _running_problem(running: ConfigSnapshot, ctx: Context) -> str | None:
    name = ctx.rotation.object_name
    location: Location = ctx.pair.location
    entry = next((e for e in running.certificates(location) if e.name == name), None)
    if entry is None or entry.certificate_pem is None or not entry.has_private_key:
        return (
            f"the running configuration has no signed {name} after the "
            "commit (another admin may have reverted the candidate); the next run retries"
        )
    bound = {(r.kind, r.name) for r in running.references_to(name, location)}
    missing = [b for b in ctx.pair.profile.bindings if (b.kind, b.name) not in bound]
    if missing:
        names = ", ".join(f"{b.kind} {b.name}" for b in missing)
        return f"{names} does not use {name} in the running configuration"
    return None


async def _deployed(ctx: Context) -> None:
    record, rotation = ctx.record, ctx.rotation
    old_order, old_api = record.current_order_id, record.current_api
    record.current_object = rotation.object_name
    if rotation.object_name not in record.owned_objects:
        record.owned_objects.append(rotation.object_name)
    record.current_order_id, record.current_renew_id = rotation.order_id, rotation.renew_id
    record.current_api = rotation.api
    record.current_not_after = issued_not_after(ctx)
    record.current_common_name = ctx.pair.profile.common_name
    record.renew_at = record.renew_reason = None  # belonged to the superseded certificate
    if ctx.pair.profile.force_renewal:
        # this content now has a certificate issued for it: the flag has done its job
        record.forced_hash = rotation.profile_hash
    installed = ctx.inventory.get(rotation.object_name)
    if installed is not None:
        record.seen, record.seen_at = SeenCertificate.of(installed), ctx.settings.clock()
    record.last_error = record.last_error_hint = record.last_error_kind = None
    rotation.step = Step.DEPLOYED
    rotation.last_error = None
    await ctx.save()
    assert rotation.order_id is not None
    ctx.journal.write_ids(
        ctx.pair.profile.name, rotation.order_id, rotation.renew_id, api=rotation.api or "admin"
    )
    log.info(
        "%s on %s: deployed %s (order %s)",
        ctx.pair.profile.name,
        ctx.pair.firewall.name,
        rotation.object_name,
        rotation.order_id,
    )
    if old_order is None or old_order == rotation.order_id:
        return
    if old_api is not None and old_api != rotation.api:
        # an id of the other API names another order (or none) at this one
        log.warning(
            "%s: superseded order %s was placed with the %s API; retire it in SCM by hand",
            ctx.pair.profile.name,
            old_order,
            old_api,
        )
        return
    revoke = ctx.pair.profile.revoke_superseded
    try:
        await ctx.pair.ca.retire_superseded(old_order, rotation.order_id, revoke=revoke)
        if revoke:
            log.info("%s: revoked superseded order %s", ctx.pair.profile.name, old_order)
    except PancertError as exc:
        log.warning(
            "%s: SCM bookkeeping for superseded order %s failed: %s",
            ctx.pair.profile.name,
            old_order,
            exc,
        )
