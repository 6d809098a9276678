"""A hand-built :class:`Context` for the install steps (``pancert.lifecycle.install``).

The firewall is the lifecycle's fake with a little more memory: which chain the management
expectation was given, which reference each rebind moved, and answers for ``binding`` that
the fake's XML cannot express (a template-pushed node). The configuration snapshot answers
"who uses this object" from a table, so templates and the management interface (which the
fake's XML has no place for) can be set up directly. Certificates are short PEM-shaped texts:
the install step compares them as text and never parses them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pancert.config.resolved import resolve
from pancert.lifecycle.journal import Journal, PairRecord, Rotation, Step
from pancert.lifecycle.pair import Pair, RunSettings
from pancert.lifecycle.plan import Mode
from pancert.lifecycle.rotate import Context, FirewallState
from pancert.panos.models import SHARED, CertificateEntry, Location, Reference, ReferenceKind
from pancert.panos.snapshot import ConfigSnapshot
from pancert.sandbox.ca import SandboxCA

from .builders import NOW, entry
from .executor_kit import firewall, profile
from .fakes import PROFILES, FakeCA, FakeFirewall, FakeObject

NEW = "web-abcdefgh"
OLD = "web"
BEGIN, END = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
LEAF = f"{BEGIN}\nTkVXTEVBRg==\n{END}\n"
INTERMEDIATE = f"{BEGIN}\nSU5URVJNRURJQVRF\n{END}\n"
CHAIN = [LEAF, INTERMEDIATE]
OTHER_LEAF = f"{BEGIN}\nT1RIRVJMRUFG\n{END}\n"


def profile_xpath(name: str) -> str:
    return f"{PROFILES}/entry[@name='{name}']/certificate"


def uses(
    name: str,
    kind: ReferenceKind = ReferenceKind.SSL_TLS_SERVICE_PROFILE,
    *,
    certificate: str = OLD,
    xpath: str | None = None,
    template: str | None = None,
    via: str | None = None,
) -> Reference:
    """A node named ``name`` of ``kind`` that names ``certificate`` (through the SSL/TLS
    profile ``via`` for GlobalProtect and the management interface)."""
    path = xpath or profile_xpath(via or name)
    return Reference(kind, name, path, SHARED, certificate, via=via, template=template)


@dataclass(frozen=True)
class TableSnapshot(ConfigSnapshot):
    """Where each object is used, from a table; every question is recorded."""

    table: dict[str, list[Reference]] = field(default_factory=dict)
    asked: list[tuple[str, Location]] = field(default_factory=list)

    def references_to(self, name: str, location: Location) -> list[Reference]:
        self.asked.append((name, location))
        return list(self.table.get(name, []))


class InstallFirewall(FakeFirewall):
    """The fake firewall, reading its certificates straight from the candidate objects."""

    def __init__(self) -> None:
        super().__init__()
        self.expected_chains: list[list[str]] = []
        self.rebinds: list[tuple[Reference, str]] = []
        self.deleted: list[tuple[str, Location]] = []
        self.imports: list[tuple[str, Location, list[str]]] = []
        self.asked_bindings: list[tuple[ReferenceKind, str, Location]] = []
        self.answers: dict[str, Reference] = {}
        """``binding`` answers by name (else the fake's own lookup of its profiles)."""
        self.keyless: set[str] = set()
        """Objects the firewall shows without their private key."""
        self.hidden: set[str] = set()
        """Objects the firewall does not list."""
        self.shown: dict[str, str | None] = {}
        """The certificate the firewall shows for an object, whatever was imported."""
        self.read_at: list[Location] = []

    async def certificates(self, location: Location) -> list[CertificateEntry]:
        self._call("certificates")
        self.read_at.append(location)
        return [
            entry(
                name=n,
                certificate_pem=self.shown.get(n, o.certificate_pem),
                has_private_key=n not in self.keyless,
            )
            for n, o in self.candidate.objects.items()
            if n not in self.hidden
        ]

    async def import_certificate(self, name: str, location: Location, chain: Sequence[str]) -> str:
        self.imports.append((name, location, list(chain)))
        return await super().import_certificate(name, location, chain)

    async def delete_certificate(self, name: str, location: Location) -> None:
        self.deleted.append((name, location))
        await super().delete_certificate(name, location)

    async def binding(self, kind: ReferenceKind, name: str, location: Location) -> Reference:
        self.asked_bindings.append((kind, name, location))
        if name in self.answers:
            self._call("binding")
            return self.answers[name]
        return await super().binding(kind, name, location)

    async def rebind(self, reference: Reference, new_name: str) -> None:
        self.rebinds.append((reference, new_name))
        await super().rebind(reference, new_name)

    def expect_management_certificate(self, chain_pem: Sequence[str]) -> str:
        self.expected_chains.append(list(chain_pem))
        return super().expect_management_certificate(chain_pem)


def rotation(**overrides: Any) -> Rotation:
    data: dict[str, Any] = {
        "step": Step.ISSUED,
        "object_name": NEW,
        "request_id": "0" * 32,
        "reason": "in-window",
        "started_at": NOW,
        "profile_hash": "hash-1",
        "replaces": OLD,
        "order_id": 1001,
        "chain_pem": list(CHAIN),
    }
    data.update(overrides)
    return Rotation(**data)


def record(**overrides: Any) -> PairRecord:
    data: dict[str, Any] = {
        "profile": "web",
        "firewall": "fw_a",
        "current_object": OLD,
        "current_order_id": 77,
        "owned_objects": [OLD],
        "rotation": rotation(),
    }
    data.update(overrides)
    return PairRecord(**data)


@dataclass
class Setup:
    """What a test states; :meth:`context` turns it into the step's Context."""

    folder: Path
    ca: SandboxCA
    fw: InstallFirewall = field(default_factory=InstallFirewall)
    table: dict[str, list[Reference]] = field(default_factory=dict)
    commit_user: str | None = "pancert-api"
    profile: dict[str, Any] = field(default_factory=dict)
    """Overrides of the certificate profile (``paloalto_bindings``, ...)."""

    def __post_init__(self) -> None:
        self.snapshot = TableSnapshot(None, None, self.table)

    def seed(self, name: str, certificate_pem: str | None = None, *, csr: bool = False) -> None:
        """An object on the firewall: a CSR entry (``csr``) or a signed one."""
        self.fw.candidate.objects[name] = FakeObject(
            csr_pem="CSR" if csr else None, certificate_pem=certificate_pem
        )

    def context(self, rec: PairRecord | None = None, *, snapshot: bool = True) -> Context:
        fw_profile = firewall(self.folder, paloalto_commit_user=self.commit_user)
        resolved = resolve(profile(self.folder, **self.profile), {fw_profile.name: fw_profile})
        pair = Pair(resolved, fw_profile, FakeCA(self.ca), named=False)
        inventory = {e.name: e for e in asyncio.run(self.fw.certificates(SHARED))}
        self.fw.calls.clear()
        self.fw.read_at.clear()
        return Context(
            pair=pair,
            record=rec or record(),
            journal=Journal(self.folder / "state"),
            fw=self.fw,
            settings=RunSettings(mode=Mode.RENEW, clock=lambda: NOW + dt.timedelta(hours=1)),
            inventory=inventory,
            firewall=FirewallState(snapshot=self.snapshot if snapshot else None),
        )

    def due(self, rec: PairRecord | None = None) -> Context:
        """The usual rotation: the old object ``web`` (used by the SSL/TLS profile
        ``web-tls``) and the new CSR entry waiting for its chain (unless seeded already)."""
        if OLD not in self.fw.candidate.objects:
            self.seed(OLD, OTHER_LEAF)
        if NEW not in self.fw.candidate.objects:
            self.seed(NEW, csr=True)
        self.fw.candidate.profiles["web-tls"] = OLD
        self.table.setdefault(OLD, [uses("web-tls")])
        return self.context(rec)


def lines(records: list[logging.LogRecord]) -> list[tuple[int, str]]:
    """The install step's log lines, as (level, message)."""
    return [(r.levelno, r.getMessage()) for r in records if r.name == "pancert.lifecycle"]
