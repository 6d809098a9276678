"""The steps of one rotation, each owning one journal transition (docs/architecture.md).

``prepare_csr``  (none|CSR_INTENT|CSR_ON_DEVICE) → ORDER_INTENT   key + CSR on the firewall
``order``        ORDER_INTENT → ORDERED                          the one non-idempotent call
``collect``      ORDERED → ISSUED (or still ORDERED: pending)     verified before recording
``install``      ISSUED|IMPORTED → IMPORTED                       import, rebind, prune

Each step saves the record **before** the side effect that the new state announces, so a
crash anywhere resumes from the journal instead of repeating what already happened.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from pancert.errors import PancertError, ScmError
from pancert.lifecycle.failures import NeedsPerson, StepFailed, calling
from pancert.lifecycle.journal import AbandonedOrder, Journal, PairRecord, Rotation, Step
from pancert.lifecycle.naming import fresh_rotation, owned
from pancert.lifecycle.pair import Pair, RunSettings, collect_retry_wait
from pancert.lifecycle.ports import Firewall
from pancert.lifecycle.verify import verify_issued
from pancert.panos.models import CertificateEntry
from pancert.panos.snapshot import ConfigSnapshot
from pancert.scm.errors import ScmOutcomeUnknown
from pancert.scm.models import IssuedChain, LookupOutcome

log = logging.getLogger("pancert.lifecycle")


@dataclass
class FirewallState:
    """What one run learns once per firewall and its pairs share."""

    snapshot: ConfigSnapshot | None = None
    """The candidate configuration read once before the first pair installs: where each
    superseded object is used (each pair's old objects are its own, so one read serves all)."""
    owner_checked: bool = False
    """The commit user's ownership of our changes is checked after the first write only."""


@dataclass
class Context:
    pair: Pair
    record: PairRecord
    journal: Journal
    fw: Firewall
    settings: RunSettings
    inventory: dict[str, CertificateEntry]
    firewall: FirewallState = field(default_factory=FirewallState)
    resumed_order: bool = False
    """The rotation was already at ORDER_INTENT when this run began: the order may exist."""

    async def save(self) -> None:
        """Durable before the caller goes on; done off the event loop, so the other pairs
        and firewalls of the run keep working while this one waits for its fsync."""
        await asyncio.to_thread(self.journal.save, self.record, self.settings.clock())

    @property
    def rotation(self) -> Rotation:
        assert self.record.rotation is not None, "a rotation step runs only while in flight"
        return self.record.rotation

    async def sleep(self, seconds: float) -> None:
        await (self.settings.sleep or asyncio.sleep)(seconds)


async def start_rotation(ctx: Context, reason: str) -> Rotation:
    """Record CSR_INTENT for a new rotation. The first object takes the profile's own name
    (as the Sectigo agent does) unless an object of that name already exists; no new name
    is ever one the firewall already holds. Only a journalled current object is replaced."""
    profile = ctx.pair.profile.name
    first = profile not in ctx.inventory and ctx.record.current_object is None
    request_id, name = fresh_rotation(profile, ctx.inventory, first=first)
    replaces = ctx.record.current_object
    ctx.record.rotation = Rotation(
        step=Step.CSR_INTENT,
        object_name=name,
        request_id=request_id,
        reason=reason,
        started_at=ctx.settings.clock(),
        profile_hash=ctx.pair.wanted.content_hash,
        replaces=replaces,
    )
    await ctx.save()
    log.info(
        "%s on %s: rotation started (%s), new object %s",
        profile,
        ctx.pair.firewall.name,
        reason,
        name,
    )
    return ctx.record.rotation


async def _restart(ctx: Context) -> None:
    """Drop the current rotation and begin a new one for the same reason."""
    reason = ctx.rotation.reason
    ctx.record.rotation = None
    await start_rotation(ctx, reason)


async def abandon(ctx: Context, why: str) -> None:
    rotation = ctx.rotation
    ctx.record.abandoned.append(
        AbandonedOrder(
            order_id=rotation.order_id,
            request_id=rotation.request_id,
            object_name=rotation.object_name,
            at=ctx.settings.clock(),
            why=why,
        )
    )
    log.warning(
        "%s on %s: order %s abandoned: %s",
        ctx.pair.profile.name,
        ctx.pair.firewall.name,
        rotation.order_id,
        why,
    )
    await _restart(ctx)


async def prepare_csr(ctx: Context) -> None:
    """Bring the rotation to ORDER_INTENT: a pending entry with our key exists on the firewall
    and its CSR is recorded. A CSR is reused until ordered; a profile change discards it.

    ORDER_INTENT is left alone: the order may have reached SCM, and only :func:`order`
    (which looks it up first) may decide what happens next.
    """
    rotation = ctx.rotation
    location = ctx.pair.location
    if rotation.step is Step.ORDER_INTENT:
        return
    if rotation.profile_hash != ctx.pair.wanted.content_hash:
        await _discard_pending(ctx, "the profile changed before the CSR was ordered")
        return
    if rotation.step is Step.CSR_ON_DEVICE and rotation.object_name not in ctx.inventory:
        rotation.step, rotation.csr_pem = Step.CSR_INTENT, None
        await ctx.save()
    if rotation.step is Step.CSR_INTENT:
        if rotation.object_name not in ctx.inventory:
            with calling("PAN-OS generate certificate"):
                await ctx.fw.generate_csr(ctx.pair.resolved.csr_for(rotation.object_name), location)
        with calling("PAN-OS export CSR"):
            rotation.csr_pem = await ctx.fw.export_csr(rotation.object_name, location)
        rotation.step = Step.CSR_ON_DEVICE
        await ctx.save()
    rotation.step = Step.ORDER_INTENT
    await ctx.save()


async def _discard_pending(ctx: Context, why: str) -> None:
    rotation = ctx.rotation
    entry = ctx.inventory.get(rotation.object_name)
    if entry is not None and entry.pending:
        with calling("PAN-OS delete certificate"):
            await ctx.fw.delete_certificate(rotation.object_name, ctx.pair.location)
        ctx.inventory.pop(rotation.object_name, None)
    log.info(
        "%s on %s: unordered CSR %s discarded: %s",
        ctx.pair.profile.name,
        ctx.pair.firewall.name,
        rotation.object_name,
        why,
    )
    await _restart(ctx)
    await prepare_csr(ctx)


async def order(ctx: Context, *, resumed: bool) -> None:
    """ORDER_INTENT → ORDERED. A resumed ORDER_INTENT may have reached SCM before the crash:
    look it up first, and where the API cannot, stop for a person instead of ordering twice."""
    rotation = ctx.rotation
    profile = ctx.pair.profile
    if resumed:
        with calling("SCM find order"):
            lookup = await ctx.pair.ca.find_order(
                rotation.request_id, profile.common_name, rotation.started_at
            )
        if lookup.outcome is LookupOutcome.FOUND:
            assert lookup.order_id is not None
            await _record_order(ctx, lookup.order_id, None, api=str(lookup.api))
            return
        if lookup.outcome is LookupOutcome.NOT_FOUND and rotation.object_name not in ctx.inventory:
            # never ordered, and its key is gone too (reverted): start from a fresh CSR
            rotation.step, rotation.csr_pem = Step.CSR_INTENT, None
            await ctx.save()
            await prepare_csr(ctx)
        if lookup.outcome is LookupOutcome.UNSUPPORTED:
            raise NeedsPerson(
                "SCM find order",
                f"an earlier run may have ordered request {rotation.request_id} but this API "
                f"cannot look it up; check SCM for request {rotation.request_id}, then run "
                f"`pancert resolve -p {profile.name} --firewall {ctx.pair.firewall.name} "
                "--ssl-id N` (or `--none` if no order exists)",
            )
    assert rotation.csr_pem is not None
    request = ctx.pair.resolved.enroll_for(rotation.csr_pem, rotation.request_id)
    try:
        ref = await ctx.pair.ca.enroll(request)
    except ScmOutcomeUnknown as exc:
        # the hint of ScmOutcomeUnknown says the next run looks the order up
        raise StepFailed("SCM enroll", exc) from exc
    except ScmError as exc:
        # any other CA error means no order exists (pancert.scm.errors): order afresh next run
        rotation.step, rotation.last_error = Step.CSR_ON_DEVICE, str(exc)
        await ctx.save()
        raise StepFailed("SCM enroll", exc) from exc
    except PancertError as exc:
        rotation.last_error = str(exc)
        await ctx.save()
        raise StepFailed("SCM enroll", exc) from exc
    await _record_order(ctx, ref.order_id, ref.renew_id, api=str(ref.api))


async def _record_order(ctx: Context, order_id: int, renew_id: str | None, *, api: str) -> None:
    rotation = ctx.rotation
    rotation.order_id, rotation.renew_id = order_id, renew_id
    rotation.api = api
    rotation.step = Step.ORDERED
    rotation.ordered_at = ctx.settings.clock()
    await ctx.save()  # non-negotiable 2: the order id is durable before anything else happens
    log.info(
        "%s on %s: ordered, order id %s, request id %s",
        ctx.pair.profile.name,
        ctx.pair.firewall.name,
        order_id,
        rotation.request_id,
    )


async def collect(ctx: Context, *, first_wait: bool) -> bool:
    """ORDERED → ISSUED when SCM has issued and the chain verifies; False while pending."""
    rotation = ctx.rotation
    assert rotation.order_id is not None
    settings = ctx.settings
    budget = settings.collect_timeout
    delay = min(settings.sleep_download if first_wait else 0.0, budget)
    spent, step = delay, 0.0
    while True:
        if delay:
            await ctx.sleep(delay)
        with calling("SCM collect"):
            result = await ctx.pair.ca.collect(rotation.order_id)
        if isinstance(result, IssuedChain):
            break
        step = collect_retry_wait(step, result.status)
        if spent + step > budget:
            break
        delay, spent = step, spent + step
    if not isinstance(result, IssuedChain):
        if rotation.pending_since is None:
            rotation.pending_since = settings.clock()
            await ctx.save()
        return False
    assert rotation.csr_pem is not None
    profile = ctx.pair.profile
    try:
        chain = verify_issued(
            result.certificates_pem,
            csr_pem=rotation.csr_pem,
            common_name=profile.common_name,
            dns_names=profile.dns_names,
            anchors=settings.anchors,
            now=settings.clock(),
        )
    except PancertError as exc:
        rotation.last_error = str(exc)
        await ctx.save()
        raise StepFailed(f"verify order {rotation.order_id}", exc) from exc
    rotation.chain_pem = [chain.import_pem()]
    rotation.step = Step.ISSUED
    rotation.last_error = None
    await ctx.save()
    log.info(
        "%s on %s: issued, serial %s, not after %s",
        profile.name,
        ctx.pair.firewall.name,
        chain.serial_hex,
        f"{chain.not_after:%Y-%m-%d %H:%M}",
    )
    return True


def superseded(ctx: Context) -> list[str]:
    """Objects this rotation replaces that pancert may rebind away from and delete: only
    those its journal names (the Sectigo agent's object once adopted with proof)."""
    new = ctx.rotation.object_name
    mine = owned(ctx.record)
    names = [ctx.rotation.replaces, *ctx.record.owned_objects, *ctx.record.kept_superseded]
    return [n for n in dict.fromkeys(names) if n and n != new and n in mine]
