"""ISSUED → IMPORTED: import onto the CSR entry, verify it, rebind, then prune.

The candidate changes go in the order that keeps any commit safe:
whoever commits the candidate at any moment gets a working configuration, because a
reference is only ever moved to an entry that already holds a verified certificate and key,
and an object is only deleted once nothing points at it.
"""

from __future__ import annotations

import logging

from pancert.errors import ConfigError, PancertError, Problem
from pancert.lifecycle.failures import StepFailed, calling
from pancert.lifecycle.journal import Step
from pancert.lifecycle.rotate import Context, superseded
from pancert.panos.errors import StillReferencedError
from pancert.panos.identity import PinStore
from pancert.panos.models import CertificateEntry, Reference, ReferenceKind
from pancert.panos.snapshot import ConfigSnapshot

log = logging.getLogger("pancert.lifecycle")

_MANAGEMENT_KINDS = {ReferenceKind.MANAGEMENT}


async def install(ctx: Context) -> list[str]:
    """Returns the human-readable list of changes made (for the report)."""
    rotation = ctx.rotation
    location = ctx.pair.location
    name = rotation.object_name
    changes: list[str] = []
    if not _holds_issued(ctx.inventory.get(name), rotation.chain_pem):
        with calling("PAN-OS import certificate"):
            await ctx.fw.import_certificate(name, location, rotation.chain_pem)
        changes.append(f"imported {name}")
        log.info(
            "%s on %s: imported the chain into %s",
            ctx.pair.profile.name,
            ctx.pair.firewall.name,
            name,
        )
    entry = await _verify_entry(ctx, name)
    ctx.inventory[name] = entry
    changes += await _rebind(ctx)
    changes += await _prune(ctx)
    rotation.step = Step.IMPORTED
    rotation.last_error = None
    await ctx.save()
    return changes


def _leaf_pem(pem: str) -> str:
    return pem.strip().split("-----END CERTIFICATE-----")[0]


def _holds_issued(entry: CertificateEntry | None, chain_pem: list[str]) -> bool:
    """The entry already carries the leaf we were issued (an import that a crash kept from
    being journaled): importing it again is not needed."""
    if entry is None or entry.certificate_pem is None or not chain_pem:
        return False
    return _leaf_pem(entry.certificate_pem) in chain_pem[0]


async def _verify_entry(ctx: Context, name: str) -> CertificateEntry:
    """Re-read the entry: it must hold our key and the certificate we verified."""
    with calling("PAN-OS read certificates"):
        entries = await ctx.fw.certificates(ctx.pair.location)
    for entry in entries:
        if entry.name == name:
            break
    else:
        raise StepFailed("PAN-OS import certificate", f"{name} is missing after the import")
    issued = ctx.rotation.chain_pem[0] if ctx.rotation.chain_pem else ""
    if not entry.has_private_key or entry.certificate_pem is None:
        raise StepFailed(
            "PAN-OS import certificate",
            f"{name} has no {'key' if not entry.has_private_key else 'certificate'}"
            " after the import",
        )
    if _leaf_pem(entry.certificate_pem) not in issued:
        raise StepFailed(
            "PAN-OS import certificate",
            f"{name} holds a different certificate than the one imported",
        )
    return entry


def _movable(ctx: Context, old: str, references: list[Reference]) -> list[Reference]:
    """One reference per configuration node, leaving alone every node pancert must not touch.

    Several uses can share one node (GlobalProtect and the management interface are reached
    through an SSL/TLS profile), so a node is skipped when any use of it is off limits:
    template-pushed ones belong to Panorama, and the management interface is rebound only
    with ``paloalto_allow_management: true``.
    """
    blocked: set[str] = set()
    for reference in references:
        where = f"{ctx.pair.profile.name} on {ctx.pair.firewall.name}"
        if reference.template is not None:
            log.warning(
                "%s: %s %s uses %s but is pushed by template %s; left for Panorama",
                where,
                reference.kind,
                reference.name,
                old,
                reference.template,
            )
            blocked.add(reference.xpath)
        elif reference.kind in _MANAGEMENT_KINDS and not ctx.pair.profile.allow_management:
            log.warning(
                "%s: the management interface uses %s (through %s); not rebound because "
                "paloalto_allow_management is false",
                where,
                old,
                reference.name,
            )
            blocked.add(reference.xpath)
    unique: dict[str, Reference] = {}
    for reference in references:
        if reference.xpath not in blocked:
            unique.setdefault(reference.xpath, reference)
    return list(unique.values())


def _snapshot(ctx: Context) -> ConfigSnapshot:
    snapshot = ctx.firewall.snapshot
    assert snapshot is not None, "the firewall run reads the configuration before installing"
    return snapshot


async def _rebind(ctx: Context) -> list[str]:
    """Move every use of the superseded objects to the new one, then the profile's own
    bindings that do not use it yet."""
    new = ctx.rotation.object_name
    location = ctx.pair.location
    changes: list[str] = []
    moved: set[tuple[str, str]] = set()
    for old in superseded(ctx):
        references = _snapshot(ctx).references_to(old, location)
        _expect_management(ctx, references)
        for reference in _movable(ctx, old, references):
            await _repoint(ctx, reference, new)
            moved.add((reference.kind, reference.name))
            changes.append(f"rebound {reference.kind} {reference.name}: {old} → {new}")
    for binding in await _unbound(ctx, new, moved):
        await _repoint(ctx, binding, new)
        changes.append(f"bound {binding.kind} {binding.name} → {new}")
    for change in changes:
        log.info("%s on %s: %s", ctx.pair.profile.name, ctx.pair.firewall.name, change)
    return changes


def _expect_management(ctx: Context, references: list[Reference]) -> None:
    """Rebinding the management interface changes the API's own TLS identity at the commit:
    tell the client which leaf to expect, and remember it for later runs (before the commit,
    so a run killed after it still trusts the firewall; see pancert.panos.identity)."""
    if not ctx.pair.profile.allow_management:
        return
    if any(r.kind in _MANAGEMENT_KINDS and r.template is None for r in references):
        fingerprint = ctx.fw.expect_management_certificate(ctx.rotation.chain_pem)
        PinStore(ctx.journal.state_path).remember(ctx.pair.firewall.name, fingerprint)


async def _unbound(ctx: Context, new: str, moved: set[tuple[str, str]]) -> list[Reference]:
    """The profile's own ``paloalto_bindings`` that do not use ``new`` yet: not just moved to
    it, not already naming it (an earlier, interrupted run may have bound them)."""
    if not ctx.pair.profile.bindings:
        return []
    location = ctx.pair.location
    done = moved | {(r.kind, r.name) for r in _snapshot(ctx).references_to(new, location)}
    # a binding that names nothing is a BindingTargetError: bad input, by its class
    with calling(f"{ctx.pair.profile.source}: paloalto_bindings"):
        wanted = [
            await ctx.fw.binding(ReferenceKind(b.kind), b.name, location)
            for b in ctx.pair.profile.bindings
            if (b.kind, b.name) not in done
        ]
    for binding in wanted:
        if binding.template is not None:
            raise ConfigError(
                [
                    Problem(
                        str(ctx.pair.profile.source),
                        "paloalto_bindings",
                        f"{binding.kind} {binding.name!r} is pushed by Panorama template "
                        f"{binding.template}; bind the certificate there, or remove it from "
                        "paloalto_bindings",
                    )
                ]
            )
    return [b for b in wanted if b.certificate != new]


async def _repoint(ctx: Context, reference: Reference, new: str) -> None:
    with calling(f"PAN-OS rebind {reference.kind} {reference.name}"):
        await ctx.fw.rebind(reference, new)
    if not ctx.firewall.owner_checked:
        await _check_owner(ctx, reference.xpath)
        ctx.firewall.owner_checked = True


async def _check_owner(ctx: Context, xpath: str) -> None:
    user = ctx.pair.firewall.commit_user
    if user is None:
        return
    with calling("PAN-OS ownership check"):
        await ctx.fw.check_owner(xpath, user)


async def _prune(ctx: Context) -> list[str]:
    """Delete superseded objects nothing uses any more; keep (and report) the others."""
    changes: list[str] = []
    location = ctx.pair.location
    record = ctx.record
    for old in superseded(ctx):
        if old not in ctx.inventory:
            record.kept_superseded.pop(old, None)
            _forget(ctx, old)
            continue
        try:
            await ctx.fw.delete_certificate(old, location)
        except StillReferencedError as exc:
            record.kept_superseded[old] = list(exc.paths) or list(exc.messages)
            log.warning(
                "%s on %s: kept superseded %s, still used by %s",
                ctx.pair.profile.name,
                ctx.pair.firewall.name,
                old,
                ", ".join(record.kept_superseded[old]),
            )
            continue
        except PancertError as exc:
            raise StepFailed("PAN-OS delete certificate", exc) from exc
        ctx.inventory.pop(old, None)
        record.kept_superseded.pop(old, None)
        _forget(ctx, old)
        changes.append(f"deleted {old}")
        log.info(
            "%s on %s: deleted superseded %s", ctx.pair.profile.name, ctx.pair.firewall.name, old
        )
    return changes


def _forget(ctx: Context, name: str) -> None:
    if name in ctx.record.owned_objects:
        ctx.record.owned_objects.remove(name)


async def retry_kept(ctx: Context) -> list[str]:
    """A run with nothing due still retires superseded objects kept earlier because they
    were in use, once nothing uses them any more."""
    changes: list[str] = []
    record = ctx.record
    for old in list(record.kept_superseded):
        if old not in ctx.inventory:
            record.kept_superseded.pop(old)
            _forget(ctx, old)
            continue
        users = _snapshot(ctx).references_to(old, ctx.pair.location)
        if users:
            record.kept_superseded[old] = sorted({r.xpath for r in users})
            continue
        try:
            await ctx.fw.delete_certificate(old, ctx.pair.location)
        except StillReferencedError as exc:
            record.kept_superseded[old] = list(exc.paths) or list(exc.messages)
            continue
        except PancertError as exc:
            raise StepFailed("PAN-OS delete certificate", exc) from exc
        record.kept_superseded.pop(old)
        _forget(ctx, old)
        changes.append(f"deleted {old}, superseded earlier and no longer used")
    return changes
