"""Every real reply in tests/data/panos-samples parses with the client's parser and
means what SOURCES.md says it means."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pancert.panos import errors, parsers
from pancert.panos.models import SHARED, KeyAlgorithm
from pancert.panos.xml import check_envelope, child_text, parse
from tests.conftest import DATA

SAMPLES = DATA / "panos-samples"
XML_FILES = sorted(SAMPLES.glob("*.xml"))


def _read(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def test_the_samples_are_there() -> None:
    assert len(XML_FILES) >= 18


@pytest.mark.parametrize("path", XML_FILES, ids=lambda p: p.name)
def test_every_sample_parses(path: Path) -> None:
    root = parse(path.read_bytes())
    if root.tag != "response":
        assert parsers.certificate_entries(root, SHARED)
        return
    if root.get("status", "").strip() == "error":
        with pytest.raises(errors.PanosApiError):
            check_envelope(root)
    else:
        assert check_envelope(root) is root


def test_keygen_sample() -> None:
    assert (
        child_text(check_envelope(parse(_read("keygen-success-placeholder-key.xml"))), "result/key")
        == "SOMEKEY"
    )


def test_commit_samples() -> None:
    enqueued = parsers.commit(check_envelope(parse(_read("commit-job-enqueued.xml"))))
    assert enqueued.job_id == 2
    none = parsers.commit(check_envelope(parse(_read("commit-no-changes.xml"))))
    assert none.job_id is None
    assert none.message == "There are no changes to commit."


def test_job_samples() -> None:
    active = parsers.job(parse(_read("show-jobs-commit-active.xml")))
    assert (active.status, active.result, active.progress, active.finished) == (
        "ACT",
        "PEND",
        75,
        False,
    )
    done = parsers.job(parse(_read("show-jobs-commit-fin-ok.xml")))
    assert done.ok
    assert done.details == ("Configuration committed successfully",)
    failed = parsers.job(parse(_read("show-jobs-validate-fin-fail.xml")))
    assert failed.finished
    assert not failed.ok
    assert failed.details[0] == "Validation Error:"
    assert any("mutually exclusive" in line for line in failed.details)
    pushed = parsers.job(parse(_read("show-jobs-commitall-fin-with-devices.xml")))
    assert pushed.ok
    assert pushed.job_id == 123
    assert "Configuration committed successfully" in pushed.details


@pytest.mark.parametrize(
    ("name", "error", "code"),
    [
        ("config-show-no-such-node-error.xml", errors.ObjectNotPresentError, None),
        ("export-certificate-missing-format-error-400.xml", errors.BadRequestError, 400),
        ("import-error-certificate-name-invalid-code17.xml", errors.InvalidCommandError, 17),
        ("import-error-certificate-name-too-long-code17.xml", errors.InvalidCommandError, 17),
        ("import-error-private-key-filename-invalid-code17.xml", errors.InvalidCommandError, 17),
    ],
)
def test_error_samples_map_to_their_class(
    name: str, error: type[Exception], code: int | None
) -> None:
    with pytest.raises(error) as caught:
        check_envelope(parse(_read(name)))
    assert isinstance(caught.value, errors.PanosApiError)
    assert caught.value.code == code
    assert caught.value.messages


def test_messages_keep_cdata_lines() -> None:
    with pytest.raises(errors.InvalidCommandError) as caught:
        check_envelope(parse(_read("import-error-certificate-name-too-long-code17.xml")))
    assert "at most 31 characters" in caught.value.messages[0]
    assert len(caught.value.messages) == 2


def test_get_of_a_missing_node_is_success_code_7() -> None:
    root = check_envelope(parse(_read("config-get-object-not-present-code7.xml")))
    assert root.get("code") == "7"


def test_import_success_sample() -> None:
    root = check_envelope(parse(_read("import-certificate-success.xml")))
    assert (
        child_text(root, "result")
        == "Successfully imported gp.domain.com_2023 into candidate configuration"
    )


def test_ha_sample_is_a_passive_peer() -> None:
    state = parsers.ha_state(
        check_envelope(parse(_read("op-show-high-availability-state-enabled.xml")))
    )
    assert state.enabled
    assert state.local_state == "passive"
    assert state.passive
    assert state.running_sync == "not synchronized"
    assert not state.synchronized
    assert state.sync_enabled is True
    assert state.peer_state == "active"
    assert not state.active


def test_configuration_fragments() -> None:
    panorama = parsers.certificate_entries(
        parse(_read("config-panorama-certificates-and-ssl-tls-profile-fragment.xml")), SHARED
    )
    assert [e.name for e in panorama] == ["FW-Root-CA", "Panorama-client-cert"]
    root_ca = panorama[0]
    assert root_ca.is_ca
    assert root_ca.has_private_key
    assert root_ca.algorithm is KeyAlgorithm.RSA
    assert root_ca.not_after == dt.datetime(2050, 6, 6, 23, 20, 20, tzinfo=dt.UTC)
    assert not root_ca.pending
    stack = parsers.certificate_entries(
        parse(_read("config-template-stack-vsys-certificates-fragment.xml")), SHARED
    )
    assert [e.algorithm for e in stack] == [KeyAlgorithm.EC, KeyAlgorithm.EC]
    assert stack[1].common_name == "decrypt.acme.com"
    assert stack[1].subject == "/CN=decrypt.acme.com"


def test_operational_listing_fixture() -> None:
    entries = parsers.certificate_entries(
        check_envelope(parse(_read("op-certificate-list-sanitized-fixture.xml"))).find("result"),  # type: ignore[arg-type]
        SHARED,
    )
    assert [e.name for e in entries] == ["test-cert", "FW-Cert-for-panorama", "FW-Client-Cert"]
    assert entries[2].subject == "CN = Test client cert on firewall"
    assert not entries[2].is_ca
    # not-valid-after wins over the fixture's (placeholder) expiry epoch
    assert entries[0].not_after == dt.datetime(2050, 5, 9, 19, 24, 8, tzinfo=dt.UTC)


def test_text_sample_is_not_xml_and_is_refused() -> None:
    with pytest.raises(errors.PanosReplyError):
        parse(_read("commit-sync-validation-error-panxapi-output.txt"))
