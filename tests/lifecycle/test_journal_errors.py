"""What the journal (src/pancert/lifecycle/journal.py) tells a person when its files are
damaged, links or unwritable, word for word: the file, the field, what to do. And the exact
files it leaves: the record's readable JSON, the Sectigo agent's ``<profile>.ids`` bytes and
mode, nothing half-written when a write fails.

These tests run as root, which no mode bit stops: an unwritable disk is simulated by
replacing the os function that would fail.
"""

from __future__ import annotations

import datetime as dt
import errno
import getpass
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from pancert.errors import PancertError
from pancert.fileio import UnsafePathError
from pancert.lifecycle.journal import Journal, JournalError, PairRecord, Step

from .builders import NOW, rotation

HINT = (
    "restore web@fw_a.json from a backup, or correct it by hand; if it is lost, move it "
    "aside and check SCM for an order of web in flight before the next run (pancert then "
    "starts this pair afresh and treats the objects it had created as foreign)"
)
KEPT = "; it is kept as it is, and this pair is left alone until it is fixed"


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path)


def plant(journal: Journal, raw: bytes) -> Path:
    path = journal.path_for("web", "fw_a")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    return path


def unreadable(journal: Journal, raw: bytes) -> JournalError:
    path = plant(journal, raw)
    with pytest.raises(JournalError) as caught:
        journal.load("web", "fw_a")
    assert path.read_bytes() == raw, "an unreadable record is kept as it is"
    assert caught.value.hint == HINT
    return caught.value


def test_records_live_in_the_journal_folder_by_profile_and_firewall(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "state")
    assert journal.path_for("web", "fw_a") == tmp_path / "state" / "journal" / "web@fw_a.json"
    assert journal.ids_path("web") == tmp_path / "state" / "web.ids"
    assert journal.load("web", "fw_a") is None, "no record yet"


def test_a_record_that_is_not_json_names_the_file_and_the_fix(journal: Journal) -> None:
    error = unreadable(journal, b"{not json")
    assert str(error) == (
        f"{journal.path_for('web', 'fw_a')}: journal record is unreadable: the file: "
        f"Invalid JSON: key must be a string at line 1 column 2{KEPT}"
    )


def test_three_wrong_fields_are_each_named(journal: Journal) -> None:
    error = unreadable(journal, b'{"profile": 1, "firewall": 2, "current_order_id": "x"}')
    assert str(error) == (
        f"{journal.path_for('web', 'fw_a')}: journal record is unreadable: "
        "profile: Input should be a valid string; "
        "firewall: Input should be a valid string; "
        "current_order_id: Input should be a valid integer, unable to parse string as an "
        f"integer{KEPT}"
    )


def test_past_three_wrong_fields_the_rest_are_counted(journal: Journal) -> None:
    """A nested field is named by its path; the fourth and later problems are counted."""
    error = unreadable(
        journal, b'{"profile": "web", "firewall": "fw_a", "abandoned": [{"request_id": "r"}]}'
    )
    assert str(error) == (
        f"{journal.path_for('web', 'fw_a')}: journal record is unreadable: "
        "abandoned.0.order_id: Field required; abandoned.0.object_name: Field required; "
        f"abandoned.0.at: Field required (and 1 more){KEPT}"
    )
    error = unreadable(
        journal,
        b'{"version": "v", "profile": 1, "firewall": 2, "current_order_id": "x",'
        b' "owned_objects": 3}',
    )
    assert str(error).endswith(f" (and 2 more){KEPT}")


def test_a_record_that_cannot_be_read_names_the_reason(journal: Journal) -> None:
    journal.path_for("web", "fw_a").mkdir(parents=True)
    with pytest.raises(JournalError) as caught:
        journal.load("web", "fw_a")
    assert str(caught.value) == (
        f"{journal.path_for('web', 'fw_a')}: cannot read the journal record: Is a directory"
    )


def test_load_json_gives_the_record_and_the_bytes_it_was_read_from(journal: Journal) -> None:
    journal.save(PairRecord(profile="web", firewall="fw_a", current_object="web"), NOW)
    found = journal.load_json("web", "fw_a")
    assert found is not None
    record, raw = found
    assert raw == journal.path_for("web", "fw_a").read_bytes()
    assert (record.profile, record.firewall, record.current_object) == ("web", "fw_a", "web")
    assert record.updated_at == NOW


def test_a_saved_record_is_indented_json_a_person_can_correct(journal: Journal) -> None:
    record = PairRecord(profile="web", firewall="fw_a", rotation=rotation(Step.ORDERED))
    later = NOW + dt.timedelta(minutes=5)
    assert journal.save(record, later) is record
    assert record.updated_at == later
    text = journal.path_for("web", "fw_a").read_text()
    assert text.startswith('{\n  "version": 2,\n  "profile": "web",\n  "firewall": "fw_a",\n')
    assert '\n  "updated_at": "2026-11-27T12:05:00Z",\n' in text
    assert '\n  "rotation": {\n    "step": "ORDERED",\n' in text
    loaded = journal.load("web", "fw_a")
    assert loaded is not None
    assert loaded.updated_at == later


def test_a_failed_save_keeps_the_previous_record_and_names_the_disk_error(
    journal: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal.save(PairRecord(profile="web", firewall="fw_a", current_object="web"), NOW)
    path = journal.path_for("web", "fw_a")
    before = path.read_bytes()

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    monkeypatch.setattr(getpass, "getuser", lambda: "pancert-svc")
    with pytest.raises(UnsafePathError) as caught:
        journal.save(PairRecord(profile="web", firewall="fw_a", current_object="x"), NOW)
    assert str(caught.value) == (
        f"{path}: cannot write the journal record: No space left on device (running as pancert-svc)"
    )
    assert caught.value.hint == (
        f"make {path} writable for pancert-svc, or point the configuration elsewhere"
    )
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == ["web@fw_a.json"]


def test_a_journal_folder_or_record_that_is_a_link_is_never_written_through(
    tmp_path: Path,
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    state = tmp_path / "state"
    state.mkdir()
    (state / "journal").symlink_to(elsewhere)
    journal = Journal(state)
    record = PairRecord(profile="web", firewall="fw_a")
    actions: list[Callable[[], object]] = [
        lambda: journal.save(record, NOW),
        lambda: journal.load("web", "fw_a"),
    ]
    for action in actions:
        with pytest.raises(UnsafePathError) as caught:
            action()
        assert str(caught.value) == (
            f"{state / 'journal'}: the journal folder is a symbolic link (to {elsewhere}); refused"
        )
        assert caught.value.hint == "replace the link by a real folder"
    assert os.listdir(elsewhere) == []

    (state / "journal").unlink()
    (state / "journal").mkdir()
    victim = tmp_path / "victim.json"
    victim.write_text("{}")
    journal.path_for("web", "fw_a").symlink_to(victim)
    for action in actions:
        with pytest.raises(UnsafePathError) as caught:
            action()
        assert str(caught.value) == (
            f"{journal.path_for('web', 'fw_a')}: the journal record is a symbolic link "
            f"(to {victim}); refused"
        )
        assert caught.value.hint == "replace the link by a real file"
    assert victim.read_text() == "{}"


def test_records_are_every_pair_in_name_order_and_skips_say_why(
    tmp_path: Path,
) -> None:
    journal = Journal(tmp_path)
    assert journal.records() == [], "no journal folder yet"
    for profile, firewall in [("web", "fw_b"), ("api", "fw_a"), ("web", "fw_a")]:
        journal.save(PairRecord(profile=profile, firewall=firewall), NOW)
    folder = tmp_path / "journal"
    (folder / "notes.txt").write_text("not a record")
    (folder / "broken@fw_c.json").write_text("[]")
    skipped: list[str] = []
    found = journal.records(skipped=skipped)
    assert [(r.profile, r.firewall) for r in found] == [
        ("api", "fw_a"),
        ("web", "fw_a"),
        ("web", "fw_b"),
    ]
    assert skipped == [
        f"{folder / 'broken@fw_c.json'}: journal record is unreadable: the file: "
        f"Input should be an object{KEPT}"
    ]
    with pytest.raises(PancertError) as caught:
        journal.records()
    assert str(caught.value) == skipped[0]


# --- the Sectigo agent's <profile>.ids files ------------------------------------------------


def test_ids_files_are_the_agents_exact_bytes_readable_by_everyone(journal: Journal) -> None:
    """The agent's own files are compact Base64 JSON, no newline, mode 0644: pancert writes
    the same so the agent (another user) reads them, whatever mode the file had."""
    path = journal.ids_path("web")
    path.write_text("old")
    path.chmod(0o600)
    journal.write_ids("web", 1234, "AbC", api="admin")
    # {"sslId":1234,"renewId":"AbC"}
    assert path.read_bytes() == b"eyJzc2xJZCI6MTIzNCwicmVuZXdJZCI6IkFiQyJ9"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    journal.write_ids("rest", 77, None, api="enrollment")
    assert journal.ids_path("rest").read_bytes() == b"eyJjZXJ0SWQiOjc3fQ=="  # {"certId":77}
    assert stat.S_IMODE(journal.ids_path("rest").stat().st_mode) == 0o644
    journal.write_ids("api", 5, "", api="admin")
    assert journal.ids_path("api").read_bytes() == b"eyJzc2xJZCI6NX0="  # {"sslId":5}
    assert journal.read_ids("web") == (1234, "AbC")
    assert journal.read_ids("api") == (5, None)


def test_reading_ids(journal: Journal) -> None:
    assert journal.read_ids("web") is None, "no file: no order"
    journal.ids_path("web").write_bytes(b"  MTIzNDU=\n")  # "12345", as a shell leaves it
    assert journal.read_ids("web") == (12345, None)
    journal.ids_path("web").write_text("{'sslId': 6, 'renewId': 'x'}\n")
    assert journal.read_ids("web") == (6, "x")


@pytest.mark.parametrize(
    "content",
    [
        "MTIz*NDU=",  # Base64 of "12345" with a stray character: damaged, not guessed at
        "MTIz NDU=",
        "ünïcode",  # not ASCII, so not Base64 either
        "sslId: 5",
    ],
)
def test_an_ids_file_that_is_not_understood_is_named(journal: Journal, content: str) -> None:
    path = journal.ids_path("web")
    path.write_text(content, encoding="utf-8")
    assert_not_understood(journal, path)


def test_an_ids_file_that_is_not_text_is_named(journal: Journal) -> None:
    path = journal.ids_path("web")
    path.write_bytes(b"\xff\xfe1\x002\x00")  # e.g. saved as UTF-16 by an editor
    assert_not_understood(journal, path)


def assert_not_understood(journal: Journal, path: Path) -> None:
    with pytest.raises(JournalError) as caught:
        journal.read_ids("web")
    assert str(caught.value) == (
        f"{path}: not an order id file this agent understands "
        "(expected Base64 JSON, JSON, a dict or a bare integer)"
    )


def test_a_firewall_name_with_an_at_sign_keeps_its_profile(tmp_path: Path) -> None:
    """Firewall names are file names, which may hold an ``@``; profile names may not
    (config/profile.py): the first ``@`` ends the profile, and the hint names it."""
    journal = Journal(tmp_path)
    journal.save(PairRecord(profile="web", firewall="fw@dc1"), NOW)
    assert [(r.profile, r.firewall) for r in journal.records()] == [("web", "fw@dc1")]
    journal.path_for("web", "fw@dc1").write_text("[]")
    with pytest.raises(JournalError) as caught:
        journal.records()
    assert caught.value.hint == (
        "restore web@fw@dc1.json from a backup, or correct it by hand; if it is lost, move it "
        "aside and check SCM for an order of web in flight before the next run (pancert then "
        "starts this pair afresh and treats the objects it had created as foreign)"
    )
