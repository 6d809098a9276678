"""Durable per-(profile, firewall) state, and the Sectigo agent's ``<profile>.ids`` files.

Every state transition is written here **before** the next external side effect, with an
atomic write (temporary file, fsync, rename, fsync of the folder), so a process killed at any
instant leaves either the old record or the new one — never a torn file. The order id is on
disk before anything else happens after SCM returns it (non-negotiable 2).

Layout in the state folder::

    journal/<profile>@<firewall>.json   one PairRecord each
    <profile>.ids                       Base64 of {"sslId"|"certId": N, "renewId": "…"}
"""

from __future__ import annotations

import ast
import base64
import binascii
import contextlib
import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pancert.errors import PancertError
from pancert.fileio import atomic_write, private_folder, refuse_symlink, unwritable
from pancert.panos.models import CertificateEntry, KeyAlgorithm, Location


class JournalError(PancertError):
    """The journal cannot be read: named file, never silently reset."""


class Step(StrEnum):
    """Where a rotation stands. Each value is written before the side effect it leads to."""

    CSR_INTENT = "CSR_INTENT"
    """About to generate key + CSR on the firewall under ``object_name``."""
    CSR_ON_DEVICE = "CSR_ON_DEVICE"
    """The pending entry exists on the firewall; its CSR is recorded."""
    ORDER_INTENT = "ORDER_INTENT"
    """About to call SCM enroll with ``request_id`` in the comments."""
    ORDERED = "ORDERED"
    """SCM returned ``order_id``; collect until issued."""
    ISSUED = "ISSUED"
    """The verified chain is recorded; import next."""
    IMPORTED = "IMPORTED"
    """Imported, rebound and superseded object deleted in the candidate; commit next."""
    DEPLOYED = "DEPLOYED"
    """Committed and verified in the running configuration."""


class Rotation(BaseModel):
    model_config = ConfigDict(extra="ignore")

    step: Step
    object_name: str
    request_id: str
    reason: str
    started_at: dt.datetime
    profile_hash: str
    replaces: str | None = None
    csr_pem: str | None = None
    order_id: int | None = None
    renew_id: str | None = None
    api: str | None = None
    ordered_at: dt.datetime | None = None
    pending_since: dt.datetime | None = None
    chain_pem: list[str] = Field(default_factory=list)
    commit_job: int | None = None
    last_error: str | None = None


class AbandonedOrder(BaseModel):
    order_id: int | None
    request_id: str
    object_name: str
    at: dt.datetime
    why: str


class SeenCertificate(BaseModel):
    """The facts the planner compares, of the object that served the profile when a run
    last looked: ``status`` asks the planner with these, so it agrees with ``renew``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str
    signed: bool = True
    not_before: dt.datetime | None = None
    not_after: dt.datetime | None = None
    common_name: str | None = None
    dns_names: tuple[str, ...] = ()
    algorithm: KeyAlgorithm | None = None
    key_size: int | None = None
    revoked: bool = False

    @classmethod
    def of(cls, entry: CertificateEntry) -> SeenCertificate:
        return cls(
            name=entry.name,
            signed=entry.certificate_pem is not None,
            not_before=entry.not_before,
            not_after=entry.not_after,
            common_name=entry.common_name,
            dns_names=entry.dns_names,
            algorithm=entry.algorithm,
            key_size=entry.key_size,
            revoked=entry.revoked,
        )

    def entry(self, location: Location) -> CertificateEntry:
        """The same facts as the planner reads them from a firewall."""
        return CertificateEntry(
            name=self.name,
            location=location,
            has_private_key=True,
            certificate_pem="(seen)" if self.signed else None,
            csr_pem=None if self.signed else "(seen)",
            common_name=self.common_name,
            not_before=self.not_before,
            not_after=self.not_after,
            algorithm=self.algorithm,
            key_size=self.key_size,
            dns_names=self.dns_names,
            revoked=self.revoked,
        )


class PairRecord(BaseModel):
    """Everything pancert remembers about one certificate profile on one firewall."""

    model_config = ConfigDict(extra="ignore")

    version: int = 2
    profile: str
    firewall: str
    current_object: str | None = None
    current_order_id: int | None = None
    current_renew_id: str | None = None
    current_api: str | None = None
    current_not_after: dt.datetime | None = None
    current_common_name: str | None = None
    owned_objects: list[str] = Field(default_factory=list)
    """Every object pancert created for this pair, and the Sectigo agent's object once
    adopted with proof: with ``current_object`` and ``kept_superseded`` the only objects it
    may rebind away from or delete (:func:`pancert.lifecycle.naming.owned`)."""
    kept_superseded: dict[str, list[str]] = Field(default_factory=dict)
    """Superseded objects still referenced where pancert does not manage: name → paths."""
    forced_hash: str | None = None
    """Profile content hash of the last rotation forced by ``sectigo_force_renewal``."""
    rotation: Rotation | None = None
    abandoned: list[AbandonedOrder] = Field(default_factory=list)
    seen: SeenCertificate | None = None
    """What served the profile when a run last looked (None: nothing did)."""
    seen_at: dt.datetime | None = None
    """When ``seen`` was taken; None in records written before pancert kept it."""
    last_error: str | None = None
    last_error_hint: str | None = None
    """What to do about ``last_error`` (the failing client's hint)."""
    last_error_kind: str | None = None
    """The class of the error, e.g. ``ScmAuthError``."""
    updated_at: dt.datetime | None = None
    renew_at: dt.datetime | None = None
    """The CA's renewal time for the current certificate (ACME: ARI or lifetime share)."""
    renew_reason: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _migrate(cls, data: Any) -> Any:
        """Version 1 adopted every object whose name had the rotation shape, so its records
        may name objects pancert never created. Keep only names with evidence: objects a
        rotation created (its own, an abandoned one's), a current object that carries an
        order id (deployed by pancert, or the Sectigo agent's with its .ids file), and
        superseded objects kept earlier. A record left with nothing is adopted afresh."""
        if not isinstance(data, dict) or data.get("version") != 1:
            return data  # every version-1 file says so: the field was always written
        data = dict(data)
        rotation = data.get("rotation") or {}
        trusted = {rotation.get("object_name"), *(data.get("kept_superseded") or {})}
        trusted |= {a.get("object_name") for a in data.get("abandoned") or []}
        if data.get("current_order_id") is not None:
            trusted.add(data.get("current_object"))
        if data.get("current_object") not in trusted:
            for key in ("current_object", "current_not_after", "current_common_name"):
                data[key] = None
        if rotation and rotation.get("replaces") not in trusted:
            data["rotation"] = {**rotation, "replaces": None}
        owned = [n for n in data.get("owned_objects") or [] if n in trusted]
        current = data.get("current_object")
        data["owned_objects"] = owned + ([current] if current and current not in owned else [])
        data["version"] = 2
        return data

    @property
    def in_flight(self) -> bool:
        return self.rotation is not None and self.rotation.step is not Step.DEPLOYED


class Journal:
    def __init__(self, state_path: Path) -> None:
        self.state_path = state_path
        self.folder = state_path / "journal"

    def path_for(self, profile: str, firewall: str) -> Path:
        return self.folder / f"{profile}@{firewall}.json"

    def load(self, profile: str, firewall: str) -> PairRecord | None:
        found = self.load_json(profile, firewall)
        return None if found is None else found[0]

    def load_json(self, profile: str, firewall: str) -> tuple[PairRecord, bytes] | None:
        """The record and the bytes it was read from (a fresh copy parses faster from them
        than ``model_copy(deep=True)`` makes one)."""
        path = self.path_for(profile, firewall)
        refuse_symlink(self.folder, "journal folder")
        refuse_symlink(path, "journal record")
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise JournalError(f"{path}: cannot read the journal record: {exc.strerror}") from None
        try:
            return PairRecord.model_validate_json(raw), raw
        except ValidationError as exc:
            details = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'the file'}: {e['msg']}"
                for e in exc.errors(include_url=False, include_input=False)[:3]
            )
            error = JournalError(
                f"{path}: journal record is unreadable: {details}"
                + (f" (and {exc.error_count() - 3} more)" if exc.error_count() > 3 else "")
                + "; it is kept as it is, and this pair is left alone until it is fixed"
            )
            error.hint = (
                f"restore {path.name} from a backup, or correct it by hand; if it is lost, move "
                f"it aside and check SCM for an order of {profile} in flight before the next "
                "run (pancert then starts this pair afresh and treats the objects it had "
                "created as foreign)"
            )
            raise error from None

    def save(self, record: PairRecord, now: dt.datetime) -> PairRecord:
        record.updated_at = now
        path = self.path_for(record.profile, record.firewall)
        private_folder(self.folder, "journal folder")
        refuse_symlink(path, "journal record")
        try:
            atomic_write(path, record.model_dump_json(indent=2).encode())
        except OSError as exc:
            raise unwritable(path, "journal record", exc) from None
        return record

    def records(self, *, skipped: list[str] | None = None) -> list[PairRecord]:
        """Every readable record. With ``skipped``, an unreadable one is noted there and
        passed over (its own pair reports it) instead of stopping the caller."""
        refuse_symlink(self.folder, "journal folder")
        if not self.folder.is_dir():
            return []
        found = []
        for path in sorted(self.folder.glob("*@*.json")):
            profile, _, firewall = path.stem.partition("@")
            try:
                record = self.load(profile, firewall)
            except PancertError as exc:
                if skipped is None:
                    raise
                skipped.append(str(exc))
                continue
            if record is not None:
                found.append(record)
        return found

    # The Sectigo agent's <profile>.ids files -------------------------------------------------

    def ids_path(self, profile: str) -> Path:
        return self.state_path / f"{profile}.ids"

    def write_ids(self, profile: str, order_id: int, renew_id: str | None, *, api: str) -> None:
        key = "certId" if api == "enrollment" else "sslId"
        payload: dict[str, Any] = {key: order_id}
        if renew_id:
            payload["renewId"] = renew_id
        encoded = base64.b64encode(json.dumps(payload, separators=(",", ":")).encode())
        atomic_write(self.ids_path(profile), encoded, mode=0o644)

    def read_ids(self, profile: str) -> tuple[int, str | None] | None:
        """The order id (and renewId) in ``<profile>.ids``, in any form agents wrote."""
        path = self.ids_path(profile)
        try:
            parsed = parse_ids(path.read_text(encoding="utf-8").strip())
        except FileNotFoundError:
            return None
        except UnicodeDecodeError:  # not text at all, so none of the forms below
            parsed = None
        if parsed is None:
            raise JournalError(
                f"{path}: not an order id file this agent understands "
                "(expected Base64 JSON, JSON, a dict or a bare integer)"
            )
        return parsed


def parse_ids(text: str) -> tuple[int, str | None] | None:
    candidates = [text]
    with contextlib.suppress(binascii.Error, UnicodeDecodeError, ValueError):
        candidates.insert(0, base64.b64decode(text, validate=True).decode("utf-8").strip())
    for candidate in candidates:
        if candidate.isdigit():
            return int(candidate), None
        value: object = None
        with contextlib.suppress(ValueError):
            value = json.loads(candidate)
        if value is None:
            with contextlib.suppress(ValueError, SyntaxError):
                value = ast.literal_eval(candidate)
        if isinstance(value, int) and not isinstance(value, bool):
            return value, None
        if isinstance(value, dict):
            for key in ("sslId", "certId", "ssl_id", "cert_id", "id"):
                if isinstance(value.get(key), int) or str(value.get(key, "")).isdigit():
                    renew = value.get("renewId")
                    return int(value[key]), str(renew) if renew else None
    return None
