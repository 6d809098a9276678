"""Durability of the journal and compatibility of the Sectigo agent's .ids files."""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import pytest

from pancert.lifecycle.journal import (
    Journal,
    JournalError,
    PairRecord,
    Step,
    parse_ids,
)
from pancert.lifecycle.naming import (
    adoptable,
    fresh_rotation,
    is_rotation_of,
    new_request_id,
    object_name,
    owned,
)

from .builders import NOW, entry, rotation, wanted


def test_a_record_round_trips(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    record = PairRecord(
        profile="web", firewall="fw_a", rotation=rotation(Step.ORDERED, order_id=42)
    )
    journal.save(record, NOW)
    loaded = journal.load("web", "fw_a")
    assert loaded is not None
    assert loaded.rotation is not None
    assert (loaded.rotation.step, loaded.rotation.order_id) == (Step.ORDERED, 42)
    assert [r.profile for r in journal.records()] == ["web"]
    assert oct(journal.path_for("web", "fw_a").stat().st_mode & 0o777) == "0o600"


def test_a_corrupt_record_is_an_error_naming_the_file_and_is_kept(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    path = journal.path_for("web", "fw_a")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(JournalError, match=re.escape(str(path))):
        journal.load("web", "fw_a")
    assert path.read_text() == "{not json"


def test_ids_files_are_base64_json_and_every_older_form_is_read(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.write_ids("web", 1234, "AbC", api="admin")
    raw = journal.ids_path("web").read_text()
    assert json.loads(base64.b64decode(raw)) == {"sslId": 1234, "renewId": "AbC"}
    assert journal.read_ids("web") == (1234, "AbC")
    journal.write_ids("rest", 77, None, api="enrollment")
    assert json.loads(base64.b64decode(journal.ids_path("rest").read_text())) == {"certId": 77}
    assert parse_ids('{"sslId": 5}') == (5, None)
    assert parse_ids("{'sslId': 6, 'renewId': 'x'}") == (6, "x")
    assert parse_ids("7") == (7, None)
    assert parse_ids(base64.b64encode(b"8").decode()) == (8, None)
    assert parse_ids("garbage!") is None
    journal.ids_path("bad").write_text("garbage!")
    with pytest.raises(JournalError, match=r"bad\.ids"):
        journal.read_ids("bad")


def test_object_names_follow_the_rotation_rule() -> None:
    request_id = new_request_id()
    assert object_name("web", request_id, first=True) == "web"
    rotated = object_name("web", request_id, first=False)
    assert rotated.startswith("web-")
    assert len(rotated) == len("web-") + 8
    assert rotated[len("web-")] in "234567", "a leading digit: no word has this shape"
    assert is_rotation_of(rotated, "web")
    assert is_rotation_of("web", "web")
    assert not is_rotation_of("web-api-2bcdefgh", "web")
    for word in ("internal", "external", "frontend", "backends"):
        assert not is_rotation_of(f"web-{word}", "web")
    assert not is_rotation_of(rotated, "we")
    assert len(object_name("p" * 54, request_id, first=False)) <= 63
    assert os.sep not in rotated


def test_a_new_name_is_never_one_the_firewall_holds() -> None:
    taken = {"web"} | {object_name("web", new_request_id(), first=False) for _ in range(50)}
    for _ in range(200):
        _, name = fresh_rotation("web", taken, first=True)
        assert name not in taken


def test_only_the_agents_exact_object_with_the_profiles_names_is_adoptable() -> None:
    want = wanted()
    assert adoptable(entry(), want)
    assert not adoptable(entry(name="web-internal"), want)
    assert not adoptable(entry(common_name="intranet.example.org"), want)
    assert not adoptable(entry(dns_names=("www.example.com",)), want)
    assert not adoptable(entry(dns_names=(*want.dns_names, "other.example.com")), want)
    assert not adoptable(entry(certificate_pem=None), want)
    assert not adoptable(None, want)


def _v1(**fields: object) -> bytes:
    base: dict[str, object] = {"version": 1, "profile": "web", "firewall": "fw_a"}
    return json.dumps({**base, **fields}, default=str).encode()


def test_version_1_records_keep_created_objects_and_drop_guesses() -> None:
    created = PairRecord.model_validate_json(
        _v1(
            current_object="web-abcdefgh",
            current_order_id=5,
            owned_objects=["web-abcdefgh"],
            rotation=rotation(Step.DEPLOYED, object_name="web-abcdefgh").model_dump(),
        )
    )
    assert created.version == 2
    assert owned(created) == {"web-abcdefgh"}
    guessed = PairRecord.model_validate_json(
        _v1(current_object="web-internal", owned_objects=["web-internal"])
    )
    assert owned(guessed) == set()
    assert guessed.current_object is None
    in_flight = PairRecord.model_validate_json(
        _v1(
            current_object="web-frontend",
            owned_objects=["web-frontend"],
            rotation=rotation(Step.ISSUED, replaces="web-frontend").model_dump(),
        )
    )
    assert in_flight.rotation is not None
    assert in_flight.rotation.replaces is None
    assert owned(in_flight) == set()
    agent = PairRecord.model_validate_json(_v1(current_object="web", current_order_id=9))
    assert owned(agent) == {"web"}
    assert agent.owned_objects == ["web"]
