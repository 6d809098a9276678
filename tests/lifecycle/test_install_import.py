"""ISSUED → IMPORTED, the import half: the chain goes onto the CSR entry (unless a crash
already put it there), the entry is read back and must hold our key and our leaf, and only
then is IMPORTED journalled. Messages are pinned word for word: they are what the user reads.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from pancert.lifecycle.failures import StepFailed
from pancert.lifecycle.install import _holds_issued, install
from pancert.lifecycle.journal import Step
from pancert.panos.errors import AuthenticationError, InvalidObjectError
from pancert.panos.models import SHARED
from pancert.sandbox.ca import SandboxCA

from .builders import entry
from .install_kit import (
    CHAIN,
    INTERMEDIATE,
    LEAF,
    NEW,
    OLD,
    OTHER_LEAF,
    Setup,
    lines,
    profile_xpath,
    record,
    rotation,
)

INFO = logging.INFO


@pytest.fixture
def kit(tmp_path: Path, sandbox_ca: SandboxCA) -> Setup:
    return Setup(tmp_path, sandbox_ca)


def test_a_rotation_is_imported_verified_rebound_pruned_then_journalled(
    kit: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(INFO, logger="pancert.lifecycle")
    rec = record(owned_objects=[OLD, NEW], rotation=rotation(last_error="collect: timed out"))
    ctx = kit.due(rec)

    changes = asyncio.run(install(ctx))

    assert changes == [
        "imported web-abcdefgh",
        "rebound ssl_tls_service_profile web-tls: web → web-abcdefgh",
        "deleted web",
    ]
    fw = kit.fw
    assert fw.calls == [
        "import_certificate",
        "certificates",
        "rebind",
        "check_owner",
        "delete_certificate",
    ]
    assert fw.imports == [(NEW, SHARED, CHAIN)]
    assert fw.read_at == [SHARED]
    assert fw.deleted == [(OLD, SHARED)]
    assert fw.candidate.profiles == {"web-tls": NEW}
    assert ctx.inventory == {NEW: entry(name=NEW, certificate_pem=LEAF + INTERMEDIATE)}
    assert lines(caplog.records) == [
        (INFO, "web on fw_a: imported the chain into web-abcdefgh"),
        (INFO, "web on fw_a: rebound ssl_tls_service_profile web-tls: web → web-abcdefgh"),
        (INFO, "web on fw_a: deleted superseded web"),
    ]
    saved = ctx.journal.load("web", "fw_a")
    assert saved is not None
    assert saved.rotation is not None
    assert saved.rotation.step is Step.IMPORTED
    assert saved.rotation.last_error is None
    assert saved.owned_objects == [NEW]
    assert saved.kept_superseded == {}
    assert saved.rotation.chain_pem == CHAIN


def test_a_chain_imported_before_a_crash_is_not_imported_again(
    kit: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    """The firewall shows our leaf (with whitespace around it, and the intermediate after
    it, as PAN-OS keeps the chain): the import is done, the rest goes on."""
    caplog.set_level(INFO, logger="pancert.lifecycle")
    kit.seed(NEW, "\n  " + LEAF + INTERMEDIATE + "\n")
    ctx = kit.due()

    changes = asyncio.run(install(ctx))

    assert changes == [
        "rebound ssl_tls_service_profile web-tls: web → web-abcdefgh",
        "deleted web",
    ]
    assert kit.fw.imports == []
    assert kit.fw.calls[0] == "certificates"
    assert (INFO, "web on fw_a: imported the chain into web-abcdefgh") not in lines(caplog.records)
    saved = ctx.journal.load("web", "fw_a")
    assert saved is not None
    assert saved.rotation is not None
    assert saved.rotation.step is Step.IMPORTED


def test_an_entry_holding_another_certificate_is_imported_over(kit: Setup) -> None:
    kit.seed(NEW, OTHER_LEAF)
    ctx = kit.due()
    changes = asyncio.run(install(ctx))
    assert changes[0] == "imported web-abcdefgh"
    assert kit.fw.imports == [(NEW, SHARED, CHAIN)]
    assert ctx.inventory[NEW].certificate_pem == LEAF + INTERMEDIATE


def test_an_entry_the_inventory_does_not_know_is_imported(kit: Setup) -> None:
    ctx = kit.due()
    del ctx.inventory[NEW]
    assert asyncio.run(install(ctx))[0] == "imported web-abcdefgh"
    assert ctx.inventory[NEW] == entry(name=NEW, certificate_pem=LEAF + INTERMEDIATE)


@pytest.mark.parametrize(
    ("pem", "chain", "held"),
    [
        (LEAF, CHAIN, True),
        (LEAF + INTERMEDIATE, [LEAF], True),
        ("\n" + LEAF, CHAIN, True),
        (OTHER_LEAF, CHAIN, False),
        (INTERMEDIATE, CHAIN, False),
        (LEAF, [], False),
        (None, CHAIN, False),
    ],
    ids=["leaf", "chain-on-device", "whitespace", "other", "intermediate", "no-chain", "csr"],
)
def test_whether_the_entry_already_holds_the_issued_leaf(
    pem: str | None, chain: list[str], held: bool
) -> None:
    assert _holds_issued(entry(name=NEW, certificate_pem=pem), chain) is held


def test_no_entry_holds_nothing() -> None:
    assert _holds_issued(None, CHAIN) is False


def _fails(kit: Setup) -> StepFailed:
    ctx = kit.context()
    with pytest.raises(StepFailed) as caught:
        asyncio.run(install(ctx))
    assert ctx.journal.load("web", "fw_a") is None, "IMPORTED is journalled only at the end"
    assert kit.fw.rebinds == []
    assert kit.fw.deleted == []
    return caught.value


def test_an_entry_missing_after_the_import_stops_the_step(kit: Setup) -> None:
    kit.seed(NEW, csr=True)
    kit.fw.hidden.add(NEW)
    error = _fails(kit)
    assert str(error) == "PAN-OS import certificate: web-abcdefgh is missing after the import"
    assert error.call == "PAN-OS import certificate"
    assert kit.fw.calls == ["import_certificate", "certificates"]


@pytest.mark.parametrize(
    ("keyless", "shown", "message"),
    [
        (True, LEAF, "web-abcdefgh has no key after the import"),
        (False, None, "web-abcdefgh has no certificate after the import"),
        (True, None, "web-abcdefgh has no key after the import"),
        (False, OTHER_LEAF, "web-abcdefgh holds a different certificate than the one imported"),
    ],
    ids=["no-key", "no-certificate", "neither", "another-certificate"],
)
def test_an_entry_without_our_key_or_leaf_stops_the_step(
    kit: Setup, keyless: bool, shown: str | None, message: str
) -> None:
    kit.seed(NEW, csr=True)
    if keyless:
        kit.fw.keyless.add(NEW)
    kit.fw.shown[NEW] = shown
    error = _fails(kit)
    assert str(error) == f"PAN-OS import certificate: {message}"
    assert error.call == "PAN-OS import certificate"
    assert error.cause is None
    assert error.hint is None


def test_a_refused_read_back_names_the_read(kit: Setup) -> None:
    kit.seed(NEW, csr=True)
    ctx = kit.context()
    kit.fw.failures["certificates"] = AuthenticationError(403, ("Invalid credentials.",))
    with pytest.raises(StepFailed) as caught:
        asyncio.run(install(ctx))
    assert str(caught.value) == "PAN-OS read certificates: PAN-OS error 403: Invalid credentials."
    assert caught.value.hint == (
        "check the API key (pancert keygen fw_NAME.yaml makes a new one) and the admin role"
    )
    assert kit.fw.calls == ["import_certificate", "certificates"]


def test_a_refused_import_names_the_import_and_reads_nothing(kit: Setup) -> None:
    kit.seed(NEW, csr=True)
    ctx = kit.context()
    kit.fw.failures["import_certificate"] = InvalidObjectError(12, ("bad chain",))
    with pytest.raises(StepFailed) as caught:
        asyncio.run(install(ctx))
    assert str(caught.value) == "PAN-OS import certificate: PAN-OS error 12: bad chain"
    assert isinstance(caught.value.cause, InvalidObjectError)
    assert kit.fw.calls == ["import_certificate"]
    assert ctx.journal.load("web", "fw_a") is None


def test_the_management_expectation_is_not_touched_by_a_plain_rotation(kit: Setup) -> None:
    ctx = kit.due()
    asyncio.run(install(ctx))
    assert kit.fw.expected_chains == []
    assert not (kit.folder / "state" / "tls-pins.json").exists()
    assert kit.fw.owner_checks == [(profile_xpath("web-tls"), "pancert-api")]


def test_installing_without_the_configuration_read_is_an_internal_error(kit: Setup) -> None:
    """The firewall run reads the candidate configuration before any pair installs; were
    that order broken, the step stops (with this text in the internal error) before any
    rebind, instead of deciding with no idea who uses the old object."""
    kit.due()
    ctx = kit.context(snapshot=False)
    with pytest.raises(AssertionError) as caught:
        asyncio.run(install(ctx))
    assert str(caught.value) == "the firewall run reads the configuration before installing"
    assert kit.fw.rebinds == []


def test_a_rotation_without_a_chain_fails_the_read_back_instead_of_crashing(kit: Setup) -> None:
    """A record at ISSUED always carries the verified chain; one that lost it (edited by
    hand) must not pass for imported, whatever the entry shows."""
    kit.seed(NEW, csr=True)
    kit.fw.shown[NEW] = LEAF
    ctx = kit.context(record(rotation=rotation(chain_pem=[])))
    with pytest.raises(StepFailed) as caught:
        asyncio.run(install(ctx))
    assert str(caught.value) == (
        "PAN-OS import certificate: web-abcdefgh holds a different certificate than the one "
        "imported"
    )
    assert kit.fw.imports == [(NEW, SHARED, [])]
