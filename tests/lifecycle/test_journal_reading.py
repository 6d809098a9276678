"""Reading what earlier runs and the Sectigo agent left behind (src/pancert/lifecycle/journal.py):
the seen-certificate facts ``status`` plans with, the agent's .ids files in each format,
and a journal folder with an unreadable record."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest

from pancert.errors import PancertError
from pancert.lifecycle.journal import Journal, PairRecord, SeenCertificate, parse_ids
from pancert.panos.models import SHARED, CertificateEntry, KeyAlgorithm, Location

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


def test_a_seen_certificate_gives_back_the_facts_the_planner_reads() -> None:
    location = Location("vsys2")
    firewall_entry = CertificateEntry(
        name="web-2abcdefg",
        location=SHARED,
        has_private_key=True,
        certificate_pem="-----BEGIN CERTIFICATE-----\n...",
        common_name="www.example.com",
        not_before=NOW - dt.timedelta(days=10),
        not_after=NOW + dt.timedelta(days=80),
        algorithm=KeyAlgorithm.EC,
        key_size=384,
        dns_names=("www.example.com", "api.example.com"),
        revoked=True,
    )
    seen = SeenCertificate.of(firewall_entry)
    assert seen.entry(location) == CertificateEntry(
        name="web-2abcdefg",
        location=location,
        has_private_key=True,
        certificate_pem="(seen)",
        csr_pem=None,
        common_name="www.example.com",
        not_before=NOW - dt.timedelta(days=10),
        not_after=NOW + dt.timedelta(days=80),
        algorithm=KeyAlgorithm.EC,
        key_size=384,
        dns_names=("www.example.com", "api.example.com"),
        revoked=True,
    )
    unsigned = SeenCertificate(name="web", signed=False)
    assert unsigned.entry(SHARED) == CertificateEntry(
        name="web",
        location=SHARED,
        has_private_key=True,
        certificate_pem=None,
        csr_pem="(seen)",
    )


def test_an_object_with_only_a_csr_is_seen_unsigned() -> None:
    """A pending object (key and CSR, no certificate yet) must not read back as signed."""
    pending = CertificateEntry(
        name="web-2abcdefg", location=SHARED, has_private_key=True, csr_pem="-----BEGIN..."
    )
    seen = SeenCertificate.of(pending)
    assert seen.signed is False
    assert seen.entry(SHARED).certificate_pem is None


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12345", (12345, None)),
        (b64("12345"), (12345, None)),
        (b64(' {"sslId": 7, "renewId": "r-1"} '), (7, "r-1")),
        ('{"certId": 11}', (11, None)),
        ('{"ssl_id": 8}', (8, None)),
        ('{"cert_id": "9"}', (9, None)),
        ('{"id": 10, "renewId": ""}', (10, None)),
        ('{"sslId": 5, "renewId": null}', (5, None)),  # JSON only: null is not Python
        ("{'sslId': 12}", (12, None)),  # a Python literal
        ("13", (13, None)),
        ("true", None),  # a boolean is not an id
        ('{"sslId": "x", "id": 4}', (4, None)),
        ('{"name": "web"}', None),
        ("not an id", None),
        ("web", None),  # a bare name: not a Python literal either
        ("[1, 2", None),
    ],
)
def test_the_agents_ids_formats(text: str, expected: tuple[int, str | None] | None) -> None:
    assert parse_ids(text) == expected


def test_an_unreadable_record_is_skipped_only_when_asked(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.save(PairRecord(profile="web", firewall="fw_b", current_object="web"), NOW)
    (tmp_path / "journal" / "aaa@fw_a.json").write_text("{not json")
    skipped: list[str] = []
    records = journal.records(skipped=skipped)
    assert [(r.profile, r.firewall) for r in records] == [("web", "fw_b")]
    assert len(skipped) == 1
    assert "aaa@fw_a.json" in skipped[0]
    with pytest.raises(PancertError):
        journal.records()


def test_a_journal_folder_that_is_a_link_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "journal").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(PancertError) as caught:
        Journal(tmp_path / "state").records()
    assert str(caught.value) == (
        f"{tmp_path / 'state' / 'journal'}: the journal folder is a symbolic link "
        f"(to {tmp_path / 'elsewhere'}); refused"
    )
