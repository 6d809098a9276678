"""The prune half of ISSUED → IMPORTED, and its later retry: a superseded object is deleted
once nothing uses it; one still in use is kept, with the paths that use it, in the journal
(``kept_superseded``) and retried by a later run. What the journal forgets and keeps, and
the log lines, are pinned."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from pancert.lifecycle.failures import StepFailed
from pancert.lifecycle.install import _prune, install, retry_kept
from pancert.panos.errors import OperationFailedError, StillReferencedError
from pancert.panos.models import SHARED, ReferenceKind
from pancert.sandbox.ca import SandboxCA

from .builders import entry
from .install_kit import NEW, OLD, OTHER_LEAF, Setup, lines, profile_xpath, record, rotation, uses

INFO, WARNING = logging.INFO, logging.WARNING
EARLIER, KEPT, GONE = "web-1aaaaaaa", "web-2bbbbbbb", "web-3ccccccc"
REFUSAL = "cannot be deleted because of references from:"


@pytest.fixture
def kit(tmp_path: Path, sandbox_ca: SandboxCA) -> Setup:
    return Setup(tmp_path, sandbox_ca)


def test_a_superseded_object_still_in_use_is_kept_and_the_rest_go_on(
    kit: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    """web stays in use by a template node pancert left alone (the firewall refuses the
    delete and says where); the earlier object is unused and deleted after it."""
    caplog.set_level(INFO, logger="pancert.lifecycle")
    kit.seed(EARLIER, OTHER_LEAF)
    kit.fw.candidate.profiles["tpl-tls"] = OLD
    kit.table[OLD] = [uses("web-tls"), uses("tpl-tls", template="branch")]
    ctx = kit.due(record(owned_objects=[OLD, EARLIER, NEW]))

    changes = asyncio.run(install(ctx))

    assert changes[-1:] == ["deleted web-1aaaaaaa"]
    assert kit.fw.deleted == [(OLD, SHARED), (EARLIER, SHARED)]
    assert ctx.record.kept_superseded == {OLD: [profile_xpath("tpl-tls")]}
    assert ctx.record.owned_objects == [OLD, NEW]
    assert set(ctx.inventory) == {OLD, NEW}
    assert lines(caplog.records)[-2:] == [
        (
            WARNING,
            "web on fw_a: kept superseded web, still used by "
            "/config/shared/ssl-tls-service-profile/entry[@name='tpl-tls']/certificate",
        ),
        (INFO, "web on fw_a: deleted superseded web-1aaaaaaa"),
    ]
    saved = ctx.journal.load("web", "fw_a")
    assert saved is not None
    assert saved.kept_superseded == {OLD: [profile_xpath("tpl-tls")]}


def test_every_path_the_firewall_names_is_kept(
    kit: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(INFO, logger="pancert.lifecycle")
    ctx = kit.due()
    kit.fw.candidate.profiles.update({"a-tls": OLD, "b-tls": OLD, "web-tls": NEW})
    assert asyncio.run(_prune(ctx)) == []
    assert ctx.record.kept_superseded == {OLD: [profile_xpath("a-tls"), profile_xpath("b-tls")]}
    assert lines(caplog.records) == [
        (
            WARNING,
            f"web on fw_a: kept superseded web, still used by {profile_xpath('a-tls')}, "
            f"{profile_xpath('b-tls')}",
        )
    ]


@pytest.mark.parametrize(
    ("messages", "kept"),
    [
        ((REFUSAL, "/config/shared/x", "y -> web"), ["/config/shared/x", "y -> web"]),
        ((" web " + REFUSAL, "x"), [" web " + REFUSAL, "x"]),
    ],
    ids=["paths", "no-paths"],
)
def test_a_refused_delete_keeps_the_paths_else_the_firewalls_words(
    kit: Setup, messages: tuple[str, ...], kept: list[str]
) -> None:
    ctx = kit.due()
    kit.fw.failures["delete_certificate"] = StillReferencedError(13, messages)
    asyncio.run(_prune(ctx))
    assert ctx.record.kept_superseded == {OLD: kept}
    assert ctx.record.owned_objects == [OLD]
    assert OLD in ctx.inventory


def test_another_delete_failure_stops_the_step(kit: Setup) -> None:
    ctx = kit.due()
    kit.fw.failures["delete_certificate"] = OperationFailedError(None, ("busy",))
    with pytest.raises(StepFailed) as caught:
        asyncio.run(install(ctx))
    assert str(caught.value) == "PAN-OS delete certificate: PAN-OS error: busy"
    assert caught.value.call == "PAN-OS delete certificate"
    assert isinstance(caught.value.cause, OperationFailedError)
    assert ctx.journal.load("web", "fw_a") is None


def test_an_object_already_gone_is_forgotten_without_a_call(kit: Setup) -> None:
    """Deleted by hand (or by a run that crashed before journalling it): dropped from the
    journal's owned and kept objects; an object only kept (not owned) is dropped too, and
    one only owned (never kept)."""
    kit.table.update({EARLIER: [], KEPT: [], GONE: []})
    rec = record(
        owned_objects=[OLD, EARLIER, GONE, NEW], kept_superseded={EARLIER: ["a"], KEPT: ["b"]}
    )
    ctx = kit.due(rec)
    kit.fw.candidate.profiles["web-tls"] = NEW
    assert asyncio.run(_prune(ctx)) == ["deleted web"]
    assert kit.fw.deleted == [(OLD, SHARED)]
    assert ctx.record.owned_objects == [NEW]
    assert ctx.record.kept_superseded == {}


def test_a_kept_object_deleted_now_leaves_the_kept_list(kit: Setup) -> None:
    ctx = kit.due(record(kept_superseded={OLD: ["a"]}))
    kit.fw.candidate.profiles["web-tls"] = NEW
    assert asyncio.run(_prune(ctx)) == ["deleted web"]
    assert ctx.record.kept_superseded == {}
    assert ctx.record.owned_objects == []
    assert OLD not in ctx.inventory
    assert NEW in ctx.inventory


def _kept(kit: Setup, *names: str) -> Setup:
    """A run with nothing due: the rotation is over, ``names`` were kept earlier."""
    for name in names:
        kit.seed(name, OTHER_LEAF)
    return kit


def test_a_kept_object_nothing_uses_any_more_is_deleted_later(kit: Setup) -> None:
    _kept(kit, KEPT, NEW)
    kit.table[KEPT] = []
    ctx = kit.context(
        record(
            current_object=NEW,
            owned_objects=[NEW, KEPT],
            kept_superseded={KEPT: ["a"]},
            rotation=None,
        )
    )
    changes = asyncio.run(retry_kept(ctx))
    assert changes == ["deleted web-2bbbbbbb, superseded earlier and no longer used"]
    assert kit.fw.deleted == [(KEPT, SHARED)]
    assert kit.snapshot.asked == [(KEPT, SHARED)]
    assert ctx.record.kept_superseded == {}
    assert ctx.record.owned_objects == [NEW]


def test_a_kept_object_still_in_use_keeps_its_current_users(kit: Setup) -> None:
    """No delete is tried: the users are read from the configuration, each node once,
    sorted (a portal and its SSL/TLS profile are one node)."""
    _kept(kit, KEPT, EARLIER)
    kit.table[KEPT] = [
        uses("b-tls", certificate=KEPT),
        uses("gp", ReferenceKind.GLOBAL_PROTECT_PORTAL, certificate=KEPT, via="a-tls"),
        uses("a-tls", certificate=KEPT),
    ]
    kit.table[EARLIER] = []
    ctx = kit.context(
        record(
            current_object=NEW,
            owned_objects=[KEPT, EARLIER],
            kept_superseded={KEPT: ["old"], EARLIER: ["old"]},
            rotation=None,
        )
    )
    changes = asyncio.run(retry_kept(ctx))
    assert changes == ["deleted web-1aaaaaaa, superseded earlier and no longer used"]
    assert ctx.record.kept_superseded == {KEPT: [profile_xpath("a-tls"), profile_xpath("b-tls")]}
    assert kit.fw.deleted == [(EARLIER, SHARED)]
    assert ctx.record.owned_objects == [KEPT]


def test_a_kept_object_gone_from_the_firewall_is_forgotten(kit: Setup) -> None:
    _kept(kit, KEPT)
    ctx = kit.context(
        record(
            current_object=NEW,
            owned_objects=[EARLIER, KEPT],
            kept_superseded={EARLIER: ["a"], KEPT: ["b"]},
            rotation=None,
        )
    )
    kit.table[KEPT] = [uses("k-tls", certificate=KEPT)]
    assert asyncio.run(retry_kept(ctx)) == []
    assert kit.fw.calls == []
    assert kit.snapshot.asked == [(KEPT, SHARED)]
    assert ctx.record.kept_superseded == {KEPT: [profile_xpath("k-tls")]}
    assert ctx.record.owned_objects == [KEPT]


def test_a_kept_object_not_owned_is_forgotten_without_error(kit: Setup) -> None:
    ctx = kit.context(
        record(current_object=NEW, owned_objects=[], kept_superseded={KEPT: ["b"]}, rotation=None)
    )
    assert asyncio.run(retry_kept(ctx)) == []
    assert ctx.record.kept_superseded == {}


@pytest.mark.parametrize(
    ("messages", "kept"),
    [
        (
            (REFUSAL, "/config/shared/x", "y -> z -> web-2bbbbbbb"),
            ["/config/shared/x", "y -> z -> web-2bbbbbbb"],
        ),
        ((" web " + REFUSAL,), [" web " + REFUSAL]),
    ],
    ids=["paths", "no-paths"],
)
def test_a_refused_retry_keeps_what_the_firewall_says(
    kit: Setup, messages: tuple[str, ...], kept: list[str]
) -> None:
    _kept(kit, KEPT, EARLIER)
    kit.table.update({KEPT: [], EARLIER: []})
    ctx = kit.context(
        record(
            current_object=NEW,
            owned_objects=[KEPT, EARLIER],
            kept_superseded={KEPT: ["old"], EARLIER: ["old"]},
            rotation=None,
        )
    )
    kit.fw.failures["delete_certificate"] = StillReferencedError(13, messages)
    assert asyncio.run(retry_kept(ctx)) == []
    assert ctx.record.kept_superseded == {KEPT: kept, EARLIER: kept}
    assert ctx.record.owned_objects == [KEPT, EARLIER]
    assert kit.fw.deleted == [(KEPT, SHARED), (EARLIER, SHARED)]


def test_another_failure_of_a_retry_stops_it(kit: Setup) -> None:
    _kept(kit, KEPT)
    kit.table[KEPT] = []
    ctx = kit.context(
        record(
            current_object=NEW, owned_objects=[KEPT], kept_superseded={KEPT: ["b"]}, rotation=None
        )
    )
    kit.fw.failures["delete_certificate"] = OperationFailedError(1, ("locked",))
    with pytest.raises(StepFailed) as caught:
        asyncio.run(retry_kept(ctx))
    assert str(caught.value) == "PAN-OS delete certificate: PAN-OS error 1: locked"
    assert isinstance(caught.value.cause, OperationFailedError)
    assert ctx.record.kept_superseded == {KEPT: ["b"]}


def test_the_inventory_entry_of_a_deleted_object_goes(kit: Setup) -> None:
    ctx = kit.due()
    kit.fw.candidate.profiles["web-tls"] = NEW
    asyncio.run(_prune(ctx))
    assert ctx.inventory == {NEW: entry(name=NEW, certificate_pem=None)}
    assert ctx.rotation == rotation()
