"""Everything one run does on one firewall, in the order issue 5 prescribes.

1. Read: HA state, then one certificate inventory per location in use.
2. Decide each pair purely (:mod:`pancert.lifecycle.plan`).
3. CSRs, one pair after another (the management plane is one queue).
4. Orders and collection for all due pairs at once (SCM issuance overlaps).
5. Import, rebind, prune, one pair after another.
6. One admin-scoped partial commit for the firewall; then verify the running configuration
   and record DEPLOYED.

One pair's failure never stops the others; each ends with a :class:`PairOutcome`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pancert import status_codes
from pancert.errors import PancertError
from pancert.lifecycle import finish
from pancert.lifecycle.install import install, retry_kept
from pancert.lifecycle.journal import Journal, PairRecord, Step
from pancert.lifecycle.naming import is_rotation_of
from pancert.lifecycle.outcome import PairOutcome, Status
from pancert.lifecycle.pair import Pair, RunSettings
from pancert.lifecycle.plan import Action, Decision, Observed, decide
from pancert.lifecycle.ports import Firewall
from pancert.lifecycle.rotate import (
    Context,
    FirewallState,
    StepFailed,
    abandon,
    collect,
    order,
    prepare_csr,
    start_rotation,
)
from pancert.panos.models import CertificateEntry, Location

log = logging.getLogger("pancert.lifecycle")
_T = TypeVar("_T")


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
        self.kept: list[Context] = []
        """Pairs with nothing due but superseded objects kept earlier: retried this run."""

    def _outcome(self, pair: Pair, status: Status, message: str, **extra: object) -> None:
        outcome = PairOutcome(pair.profile.name, pair.firewall.name, status, message)
        for key, value in extra.items():
            setattr(outcome, key, value)
        self.outcomes[pair.key] = outcome

    async def run(self) -> list[PairOutcome]:
        try:
            inventory = await self._read()
        except PancertError as exc:
            for pair in self.pairs:
                self._outcome(pair, Status.FAILED, str(exc))
            return list(self.outcomes.values())
        contexts = self._decide(inventory)
        if self.settings.dry_run or not (contexts or self.kept):
            return [self.outcomes[p.key] for p in self.pairs if p.key in self.outcomes]
        try:
            await self._check_active()
        except PancertError as exc:
            for ctx in [*contexts, *self.kept]:
                await self._fail(ctx, str(exc), Status.FAILED)
            return [self.outcomes[p.key] for p in self.pairs if p.key in self.outcomes]
        for ctx in contexts:
            if ctx.record.rotation is None or not ctx.record.in_flight:
                await start_rotation(ctx, self.outcomes[ctx.pair.key].reason or "due")
        await self._converge(contexts)
        return [self.outcomes[p.key] for p in self.pairs if p.key in self.outcomes]

    async def _check_active(self) -> None:
        """Asked only when something is to change: a run with nothing due costs one read per
        firewall and location. A passive HA peer refuses writes (code 15) and receives the
        active peer's configuration by sync, so its pairs fail with the remedy."""
        ha = await _call("PAN-OS show high-availability state", self.fw.ha_state)
        if ha.passive:
            raise StepFailed(
                "PAN-OS show high-availability state",
                f"{self.name} is the passive HA peer; point its profile at the "
                "active peer (changes sync from there)",
            )

    async def _read(self) -> dict[Location, dict[str, CertificateEntry]]:
        inventory: dict[Location, dict[str, CertificateEntry]] = {}
        for location in dict.fromkeys(p.location for p in self.pairs):
            entries = await _call(
                "PAN-OS read certificates", functools.partial(self.fw.certificates, location)
            )
            inventory[location] = {e.name: e for e in entries}
        return inventory

    def _decide(self, inventory: dict[Location, dict[str, CertificateEntry]]) -> list[Context]:
        now = self.settings.clock()
        due: list[Context] = []
        for pair in self.pairs:
            entries = inventory[pair.location]
            try:
                record = self.journal.load(*pair.key) or self._adopt(pair, entries)
            except PancertError as exc:
                self._outcome(pair, Status.FAILED, str(exc))
                continue
            current = entries.get(record.current_object or pair.profile.name)
            decision = decide(
                Observed(pair.wanted, current, record, now),
                self.settings.mode,
                force=self.settings.force,
                named=pair.named,
            )
            extra = _current_facts(current, now)
            log.info(
                "%s on %s: %s (%s)", pair.profile.name, self.name, decision.action, decision.message
            )
            if decision.action in (Action.ROTATE, Action.RESUME):
                if self.settings.dry_run:
                    self._outcome(
                        pair,
                        Status.PLANNED,
                        _plan_text(pair, decision, record, current),
                        reason=str(decision.reason),
                        **extra,
                    )
                    continue
                due.append(
                    Context(pair, record, self.journal, self.fw, self.settings, entries, self.state)
                )
                self._outcome(
                    pair, Status.FAILED, "not finished", reason=str(decision.reason), **extra
                )
            elif decision.action is Action.FAIL:
                self._outcome(
                    pair,
                    Status.BAD_INPUT,
                    f"{pair.profile.source}: sectigo_expiry_window: {decision.message}",
                    reason=str(decision.reason),
                    **extra,
                )
            elif decision.action is Action.REPORT:
                self._outcome(
                    pair, Status.REPORTED, decision.message, reason=str(decision.reason), **extra
                )
            else:
                self._outcome(
                    pair,
                    Status.UNCHANGED,
                    decision.message,
                    reason=str(decision.reason),
                    kept=dict(record.kept_superseded),
                    **extra,
                )
                if record.kept_superseded:
                    self.kept.append(
                        Context(
                            pair, record, self.journal, self.fw, self.settings, entries, self.state
                        )
                    )
                if pair.wanted.force_renewal and record.forced_hash == pair.wanted.content_hash:
                    log.warning(
                        "%s: sectigo_force_renewal is still true; it forced one "
                        "rotation already and will not force another until the profile "
                        "changes",
                        pair.profile.source,
                    )
        return due

    def _adopt(self, pair: Pair, entries: dict[str, CertificateEntry]) -> PairRecord:
        """No journal yet: start from what the firewall and the Sectigo agent's .ids file show,
        never by ordering blindly. Objects named by pancert's rotation rule are pancert's."""
        record = PairRecord(profile=pair.profile.name, firewall=pair.firewall.name)
        ours = sorted(
            (
                e
                for e in entries.values()
                if is_rotation_of(e.name, pair.profile.name) and e.certificate_pem is not None
            ),
            key=lambda e: e.not_after.timestamp() if e.not_after else 0.0,
        )
        if ours:
            record.current_object = ours[-1].name
            record.current_not_after = ours[-1].not_after
            record.current_common_name = ours[-1].common_name
            record.owned_objects = [e.name for e in ours if e.name != pair.profile.name]
        ids = self.journal.read_ids(pair.profile.name)
        if ids is not None and record.current_object == pair.profile.name:
            record.current_order_id, record.current_renew_id = ids
        if record.current_object is not None and not self.settings.dry_run:
            # remembered once, so status and later runs know what was adopted
            self.journal.save(record, self.settings.clock())
        return record

    async def _converge(self, contexts: list[Context]) -> None:
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
        if not installing and not self.kept:
            return
        try:
            self.state.snapshot = await _call("PAN-OS read configuration", self.fw.snapshot)
        except PancertError as exc:
            await self._fail_all(installing, str(exc))
            return
        changed = [ctx for ctx in installing if await self._guard(ctx, self._install(ctx))]
        retired = [ctx for ctx in self.kept if await self._retire_kept(ctx)]
        if not changed and not retired:
            return
        error = await finish.commit(self.fw, changed + retired)
        if error is not None:
            await self._fail_all(changed, error)
            for ctx in retired:
                log.warning("%s on %s: %s", ctx.pair.profile.name, self.name, error)
            return
        await finish.deploy(self.fw, changed, self._done, self._fail_all)
        for ctx in retired:
            await ctx.save()
            self.outcomes[ctx.pair.key].kept = dict(ctx.record.kept_superseded)

    async def _retire_kept(self, ctx: Context) -> bool:
        """Delete kept superseded objects nothing uses any more; True when one was deleted."""
        try:
            changes = await retry_kept(ctx)
        except PancertError as exc:
            log.warning("%s on %s: %s", ctx.pair.profile.name, self.name, exc)
            return False
        self.outcomes[ctx.pair.key].plan = changes
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
                Status.PENDING,
                f"order {rotation.order_id} is not issued yet; collected again next run",
                order_id=rotation.order_id,
                pending_since=rotation.pending_since,
            )

    async def _install(self, ctx: Context) -> None:
        changes = await install(ctx)
        self.outcomes[ctx.pair.key].plan = changes

    def _revise(self, pair: Pair, status: Status, message: str, **changes: Any) -> None:
        """A new status for a pair, keeping what the run already knew about it."""
        self.outcomes[pair.key] = dataclasses.replace(
            self.outcomes[pair.key], status=status, message=message, **changes
        )

    def _done(self, ctx: Context, status: Status, message: str) -> None:
        converged = status is Status.CONVERGED
        previous = self.outcomes[ctx.pair.key]
        self._revise(
            ctx.pair,
            status,
            message,
            object_name=ctx.record.current_object,
            order_id=ctx.record.current_order_id,
            not_after=finish.issued_not_after(ctx) if converged else previous.not_after,
            kept=dict(ctx.record.kept_superseded),
            current_expired=previous.current_expired and not converged,
        )

    async def _guard(self, ctx: Context, step: Awaitable[None]) -> bool:
        """Run one pair's step; a failure ends that pair (recorded, journaled), not the run."""
        try:
            await step
        except PancertError as exc:
            bad_input = exc.exit_code == status_codes.BAD_INPUT
            await self._fail(ctx, str(exc), Status.BAD_INPUT if bad_input else Status.FAILED)
            return False
        return True

    async def _fail_all(self, contexts: list[Context], message: str) -> None:
        for ctx in contexts:
            await self._fail(ctx, message, Status.FAILED)

    def _alive(self, ctx: Context) -> bool:
        return ctx.record.rotation is not None and ctx.pair.key not in self.failed

    async def _fail(self, ctx: Context, message: str, status: Status) -> None:
        self.failed.add(ctx.pair.key)
        ctx.record.last_error = message
        if ctx.record.rotation is not None:
            ctx.record.rotation.last_error = message
        await ctx.save()
        log.error("%s on %s: %s", ctx.pair.profile.name, self.name, message)
        self._revise(
            ctx.pair,
            status,
            message,
            order_id=ctx.record.rotation.order_id if ctx.record.rotation else None,
        )


async def _call(call: str, fn: Callable[[], Awaitable[_T]]) -> _T:
    try:
        return await fn()
    except PancertError as exc:
        raise StepFailed(call, str(exc)) from exc


def _current_facts(current: CertificateEntry | None, now: object) -> dict[str, object]:
    if current is None:
        return {}
    expired = current.not_after is not None and current.not_after <= now  # type: ignore[operator]
    return {"object_name": current.name, "not_after": current.not_after, "current_expired": expired}


def _plan_text(
    pair: Pair, decision: Decision, record: PairRecord, current: CertificateEntry | None
) -> str:
    old = current.name if current else None
    steps = [f"{decision.reason}: {decision.message}"]
    if decision.action is Action.RESUME and record.rotation is not None:
        steps.append(f"resume {record.rotation.object_name} from {record.rotation.step}")
    else:
        steps.append(f"generate key + CSR on {pair.firewall.name}, order from SCM, import")
    if old:
        steps.append(f"rebind references of {old} to the new object, then delete {old}")
    steps += [f"bind {b.kind} {b.name}" for b in pair.profile.bindings]
    steps.append(f"commit as {pair.firewall.commit_user or '(paloalto_commit_user unset)'}")
    return "; ".join(steps)
