"""Execute: everything one run does on one firewall, in this order.

1. Gather (:mod:`~pancert.lifecycle.gather`): one certificate read per location in use.
2. Decide each pair purely (:mod:`~pancert.lifecycle.decide`, :mod:`~pancert.lifecycle.plan`).
3. Remember what changed since the journal (adoption, what now serves the profile); ask
   the HA state once something is due (a passive peer refuses writes).
4. CSRs, one pair after another (the management plane is one queue).
5. Orders and collection for all due pairs at once (SCM issuance overlaps).
6. Import, rebind, prune, one pair after another.
7. One admin-scoped partial commit for the firewall; then verify the running configuration
   and record DEPLOYED.

Each step records its own journal transition (:mod:`~pancert.lifecycle.rotate`,
:mod:`~pancert.lifecycle.install`, :mod:`~pancert.lifecycle.finish`). One pair's failure
never stops the others; each ends with an immutable :class:`PairOutcome` that carries the
error itself, and the journal keeps its message, hint and class for ``status``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable
from typing import Any

from pancert.errors import PancertError
from pancert.lifecycle import finish
from pancert.lifecycle.decide import PairPlan, plan_pair
from pancert.lifecycle.failures import InternalError, calling, root_of
from pancert.lifecycle.gather import Observation, gather
from pancert.lifecycle.install import install, retry_kept
from pancert.lifecycle.journal import Journal, PairRecord, Step
from pancert.lifecycle.outcome import PairOutcome, Status, failed, kept_view
from pancert.lifecycle.pair import Pair, RunSettings
from pancert.lifecycle.ports import Firewall
from pancert.lifecycle.rotate import (
    Context,
    FirewallState,
    abandon,
    collect,
    order,
    prepare_csr,
    start_rotation,
)
from pancert.logs import log_internal_error
from pancert.panos.errors import PassiveHaPeerError

log = logging.getLogger("pancert.lifecycle")


def note_error(record: PairRecord, error: PancertError) -> None:
    """The last failure of a pair, as ``status`` shows it: message, hint and class."""
    record.last_error = str(error)
    record.last_error_hint = error.hint
    record.last_error_kind = type(root_of(error)).__name__
    if record.rotation is not None:
        record.rotation.last_error = str(error)


async def record_failure(
    journal: Journal, pairs: list[Pair], error: PancertError, settings: RunSettings
) -> list[PairOutcome]:
    """Pairs that ended before any step ran (firewall unreachable, key refused, passive peer):
    their failure is journalled all the same, so ``status`` shows it and its hint."""
    outcomes = []
    for pair in pairs:
        log.error("%s on %s: %s", pair.profile.name, pair.firewall.name, _with_hint(error))
        outcomes.append(failed(pair.profile.name, pair.firewall.name, error))
        if settings.dry_run:
            continue
        try:
            record = journal.load(*pair.key) or PairRecord(
                profile=pair.profile.name, firewall=pair.firewall.name
            )
            note_error(record, error)
            await asyncio.to_thread(journal.save, record, settings.clock())
        except PancertError as exc:
            log.error("%s on %s: %s", pair.profile.name, pair.firewall.name, exc)
    return outcomes


def internal_error(exc: Exception, pair: Pair) -> InternalError:
    """Log an unexpected failure with its traceback (masked like every log line, file only)
    and return the error the pair's outcome carries."""
    log_internal_error(log, f"{pair.profile.name} on {pair.firewall.name}: internal error", exc)
    return InternalError.of(exc)


def _with_hint(error: PancertError | None) -> str:
    if error is None:
        return ""
    return f"{error} (hint: {error.hint})" if error.hint else str(error)


class FirewallRun:
    def __init__(
        self, fw: Firewall, pairs: list[Pair], journal: Journal, settings: RunSettings
    ) -> None:
        self.fw = fw
        self.pairs = pairs
        self.journal = journal
        self.settings = settings
        self.name = pairs[0].firewall.name
        self.outcomes: dict[tuple[str, str], PairOutcome] = {}
        self.failed: set[tuple[str, str]] = set()
        self.state = FirewallState()

    def _result(self) -> list[PairOutcome]:
        return [self.outcomes[p.key] for p in self.pairs if p.key in self.outcomes]

    async def run(self) -> list[PairOutcome]:
        try:
            observation = await gather(
                self.fw,
                self.pairs,
                self.journal,
                self.settings.clock(),
                dry_run=self.settings.dry_run,
            )
        except PancertError as exc:
            return await record_failure(self.journal, self.pairs, exc, self.settings)
        plans = self._plan(observation)
        if self.settings.dry_run:
            return self._result()
        contexts = [self._context(p) for p in plans]
        for ctx, plan in zip(contexts, plans, strict=True):
            if plan.remember:
                await ctx.save()
        due = [c for c, p in zip(contexts, plans, strict=True) if p.due]
        kept = [
            c
            for c, p in zip(contexts, plans, strict=True)
            if not p.due and p.outcome.status is Status.UNCHANGED and c.record.kept_superseded
        ]
        if not (due or kept):
            return self._result()
        try:
            await self._check_active()
        except PancertError as exc:
            for ctx in [*due, *kept]:
                await self._fail(ctx, exc)
            return self._result()
        for ctx, plan in zip(contexts, plans, strict=True):
            if plan.due and (ctx.record.rotation is None or not ctx.record.in_flight):
                await start_rotation(ctx, str(plan.decision.reason))
        await self._converge(due, kept)
        return self._result()

    def _plan(self, observation: Observation) -> list[PairPlan]:
        plans: list[PairPlan] = []
        for pair in self.pairs:
            try:
                planned = plan_pair(pair, observation, self.settings)
            except Exception as exc:  # set this pair aside; the others go on
                planned = failed(pair.profile.name, self.name, internal_error(exc, pair))
            if isinstance(planned, PairOutcome):
                self.outcomes[pair.key] = planned
                log.error("%s on %s: %s", pair.profile.name, self.name, _with_hint(planned.error))
                continue
            decision = planned.decision
            log.info(
                "%s on %s: %s (%s)", pair.profile.name, self.name, decision.action, decision.message
            )
            self._warn_forced(planned)
            for note in planned.notes:
                log.warning("%s on %s: %s", pair.profile.name, self.name, note)
            self.outcomes[pair.key] = planned.outcome
            plans.append(planned)
        return plans

    def _context(self, plan: PairPlan) -> Context:
        return Context(
            plan.pair,
            plan.record,
            self.journal,
            self.fw,
            self.settings,
            dict(plan.entries),
            self.state,
        )

    def _warn_forced(self, plan: PairPlan) -> None:
        wanted = plan.pair.wanted
        if not plan.due and wanted.force_renewal and plan.record.forced_hash == wanted.content_hash:
            log.warning(
                "%s: sectigo_force_renewal is still true; it forced one rotation already and "
                "will not force another until the profile changes",
                plan.pair.profile.source,
            )

    async def _check_active(self) -> None:
        """Asked only when something is to change: a run with nothing due costs one read per
        firewall and location. A passive HA peer refuses writes and receives the active
        peer's configuration by sync, so its pairs fail with the remedy."""
        with calling("PAN-OS show high-availability state"):
            ha = await self.fw.ha_state()
            if ha.passive:
                raise PassiveHaPeerError(
                    None, (f"{self.name} is the passive HA peer (changes sync from the active)",)
                )

    async def _converge(self, contexts: list[Context], kept: list[Context]) -> None:
        for ctx in contexts:
            await self._guard(ctx, self._prepare(ctx))
        ordered = [
            c
            for c in contexts
            if self._alive(c) and c.rotation.step in (Step.ORDER_INTENT, Step.ORDERED)
        ]
        await asyncio.gather(*(self._guard(c, self._order_and_collect(c)) for c in ordered))
        installing = [
            c
            for c in contexts
            if self._alive(c) and c.rotation.step in (Step.ISSUED, Step.IMPORTED)
        ]
        if not installing and not kept:
            return
        try:
            with calling("PAN-OS read configuration"):
                self.state.snapshot = await self.fw.snapshot()
        except PancertError as exc:
            await self._fail_all(installing, exc)
            return
        changed = [ctx for ctx in installing if await self._guard(ctx, self._install(ctx))]
        retired = [ctx for ctx in kept if await self._retire_kept(ctx)]
        if not changed and not retired:
            return
        error = await finish.commit(self.fw, changed + retired)
        if error is not None:
            await self._fail_all(changed, error)
            for ctx in retired:
                log.warning("%s on %s: %s", ctx.pair.profile.name, self.name, _with_hint(error))
            return
        await finish.deploy(self.fw, changed, self._done, self._fail_all)
        for ctx in retired:
            await ctx.save()
            self._revise(ctx.pair, kept=kept_view(ctx.record.kept_superseded))

    async def _retire_kept(self, ctx: Context) -> bool:
        """Delete kept superseded objects nothing uses any more; True when one was deleted."""
        try:
            changes = await retry_kept(ctx)
        except PancertError as exc:
            log.warning("%s on %s: %s", ctx.pair.profile.name, self.name, _with_hint(exc))
            return False
        self._revise(ctx.pair, plan=tuple(changes))
        for change in changes:
            log.info("%s on %s: %s", ctx.pair.profile.name, self.name, change)
        return bool(changes)

    async def _prepare(self, ctx: Context) -> None:
        step = ctx.rotation.step
        if (
            step in (Step.ORDERED, Step.ISSUED, Step.IMPORTED)
            and ctx.rotation.object_name not in ctx.inventory
        ):
            await abandon(
                ctx,
                f"the CSR entry {ctx.rotation.object_name} vanished from the "
                "firewall (reverted or failed over)",
            )
        if ctx.rotation.step in (Step.CSR_INTENT, Step.CSR_ON_DEVICE, Step.ORDER_INTENT):
            resumed = ctx.rotation.step is Step.ORDER_INTENT and ctx.rotation.csr_pem is not None
            await prepare_csr(ctx)
            ctx.resumed_order = resumed

    async def _order_and_collect(self, ctx: Context) -> None:
        first_wait = ctx.rotation.step is Step.ORDER_INTENT
        if first_wait:
            await order(ctx, resumed=ctx.resumed_order)
        if not await collect(ctx, first_wait=first_wait):
            rotation = ctx.rotation
            self._revise(
                ctx.pair,
                status=Status.PENDING,
                message=f"order {rotation.order_id} is not issued yet; collected again next run",
                order_id=rotation.order_id,
                pending_since=rotation.pending_since,
            )

    async def _install(self, ctx: Context) -> None:
        changes = await install(ctx)
        self._revise(ctx.pair, plan=tuple(changes))

    def _revise(self, pair: Pair, **changes: Any) -> None:
        """A new outcome for a pair, keeping what the run already knew about it."""
        self.outcomes[pair.key] = dataclasses.replace(self.outcomes[pair.key], **changes)

    def _done(self, ctx: Context, message: str) -> None:
        previous = self.outcomes[ctx.pair.key]
        self._revise(
            ctx.pair,
            status=Status.CONVERGED,
            message=message,
            error=None,
            object_name=ctx.record.current_object,
            order_id=ctx.record.current_order_id,
            not_after=finish.issued_not_after(ctx) or previous.not_after,
            kept=kept_view(ctx.record.kept_superseded),
            current_expired=False,
        )

    async def _guard(self, ctx: Context, step: Awaitable[None]) -> bool:
        """Run one pair's step; a failure ends that pair (recorded, journaled), not the run."""
        try:
            await step
        except PancertError as exc:
            await self._fail(ctx, exc)
            return False
        except Exception as exc:  # a bug or an unforeseen value: this pair only, logged in full
            await self._fail(ctx, internal_error(exc, ctx.pair))
            return False
        return True

    async def _fail_all(self, contexts: list[Context], error: PancertError) -> None:
        for ctx in contexts:
            await self._fail(ctx, error)

    def _alive(self, ctx: Context) -> bool:
        return ctx.record.rotation is not None and ctx.pair.key not in self.failed

    async def _fail(self, ctx: Context, error: PancertError) -> None:
        self.failed.add(ctx.pair.key)
        note_error(ctx.record, error)
        await ctx.save()
        log.error("%s on %s: %s", ctx.pair.profile.name, self.name, _with_hint(error))
        outcome = failed(ctx.pair.profile.name, self.name, error)
        self._revise(
            ctx.pair,
            status=outcome.status,
            message=outcome.message,
            error=error,
            order_id=ctx.record.rotation.order_id if ctx.record.rotation else None,
        )
