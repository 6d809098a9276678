"""For the step tests of rotate.py and finish.py: a firewall and a CA that record the
arguments of every call and what the journal held on disk at that moment, a fixed clock,
and a :class:`Context` built straight from a pair and a record (no executor around it).

Keys are EC P-256 (the fake firewall makes one per CSR; RSA would cost ~0.1 s each)."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from pancert.errors import PancertError
from pancert.lifecycle import ports
from pancert.lifecycle.journal import Journal, PairRecord, Rotation, Step
from pancert.lifecycle.pair import Pair, RunSettings
from pancert.lifecycle.rotate import Context
from pancert.panos.models import SHARED, CommitResult, CsrRequest, JobResult, Location
from pancert.panos.snapshot import ConfigSnapshot
from pancert.sandbox.ca import SandboxCA
from pancert.scm.models import EnrollRequest, IssuedChain, OrderLookup, OrderRef, Pending

from .executor_kit import Kit
from .fakes import Config, FakeCA, FakeFirewall, FakeObject

T0 = dt.datetime.now(dt.UTC).replace(microsecond=0)
"""The run's clock: fixed, and near the real time because the fake CA signs from now."""
REQUEST = "2" + "0" * 31
"""A request id whose object name would be web-2aaaaaaa (never used as a name here)."""
NEW = "web-2abcdefg"
"""The object a rotation in these tests creates."""
STARTED = T0 - dt.timedelta(minutes=5)
"""When the rotation in these tests began."""
LOGGER = "pancert.lifecycle"


@dataclass
class OnDisk:
    """What the journal held for the pair web@fw_a when a call was made."""

    call: str
    step: Step | None
    commit_job: int | None
    order_id: int | None


class StepJournal(Journal):
    """Records the rotation step of every save, in order (intermediate ones included)."""

    def __init__(self, state_path: Path) -> None:
        super().__init__(state_path)
        self.saves: list[tuple[str, Step | None]] = []

    def save(self, record: PairRecord, now: dt.datetime) -> PairRecord:
        self.saves.append((record.profile, record.rotation.step if record.rotation else None))
        return super().save(record, now)

    def steps(self, profile: str = "web") -> list[Step | None]:
        return [step for name, step in self.saves if name == profile]


class StepFirewall(FakeFirewall):
    def __init__(self, journal: Journal) -> None:
        super().__init__()
        self.journal = journal
        self.on_disk: list[OnDisk] = []
        self.commits: list[tuple[str, str | None]] = []
        self.commit_answers: list[CommitResult] = []
        self.job_answers: dict[int, JobResult] = {}
        self.jobs_asked: list[int] = []
        self.waits: list[tuple[int, float, ports.Sleep]] = []
        self.keyless: set[str] = set()
        self.generated: list[tuple[CsrRequest, Location]] = []
        self.deleted: list[tuple[str, Location]] = []
        self.exported: list[tuple[str, Location]] = []

    def _call(self, operation: str) -> None:
        record = self.journal.load("web", "fw_a")
        rotation = record.rotation if record is not None else None
        self.on_disk.append(
            OnDisk(
                operation,
                rotation.step if rotation else None,
                rotation.commit_job if rotation else None,
                rotation.order_id if rotation else None,
            )
        )
        super()._call(operation)

    def _xml(self, config: Config) -> etree._Element:
        shared = super()._xml(config)
        for entry in shared.iterfind("certificate/entry"):
            key = entry.find("private-key")
            if entry.get("name") in self.keyless and key is not None:
                entry.remove(key)
        return shared

    async def generate_csr(self, request: CsrRequest, location: Location) -> str:
        self.generated.append((request, location))
        return await super().generate_csr(request, location)

    async def export_csr(self, name: str, location: Location) -> str:
        self.exported.append((name, location))
        return await super().export_csr(name, location)

    async def delete_certificate(self, name: str, location: Location) -> None:
        self.deleted.append((name, location))
        await super().delete_certificate(name, location)

    async def commit(self, admin: str, description: str | None = None) -> CommitResult:
        self.commits.append((admin, description))
        if not self.commit_answers:
            return await super().commit(admin, description)
        self._call("commit")
        return self.commit_answers.pop(0)

    async def job(self, job_id: int) -> JobResult:
        self.jobs_asked.append(job_id)
        self._call("job")
        return self.job_answers.get(job_id, JobResult(job_id, "FIN", "OK", 100))

    async def wait_for_job(self, job_id: int, timeout_s: float, *, sleep: ports.Sleep) -> JobResult:
        self.waits.append((job_id, timeout_s, sleep))
        self._call("wait_for_job")
        return JobResult(job_id, "FIN", "OK", 100)

    def calls_with_disk(self) -> list[tuple[str, Step | None]]:
        return [(d.call, d.step) for d in self.on_disk]


class StepCA(FakeCA):
    def __init__(self, ca: SandboxCA) -> None:
        super().__init__(ca)
        self.lookup: OrderLookup | None = None
        """When set, what :meth:`find_order` answers."""
        self.looked_up: list[tuple[str, str, dt.datetime]] = []
        self.enrolled: list[EnrollRequest] = []
        self.renew_id: str | None = None
        """The renewId enroll answers with."""
        self.issued: list[IssuedChain] = []

    async def find_order(
        self, request_id: str, common_name: str, since: dt.datetime
    ) -> OrderLookup:
        self.looked_up.append((request_id, common_name, since))
        found = await super().find_order(request_id, common_name, since)
        return self.lookup or found

    async def enroll(self, request: EnrollRequest) -> OrderRef:
        self.enrolled.append(request)
        ref = await super().enroll(request)
        return OrderRef(ref.order_id, self.renew_id, ref.api)

    async def collect(self, order_id: int) -> IssuedChain | Pending:
        result = await super().collect(order_id)
        if isinstance(result, IssuedChain):
            self.issued.append(result)
        return result


@dataclass
class Steps:
    kit: Kit
    fw: StepFirewall
    ca: StepCA
    sleeps: list[float] = field(default_factory=list)

    @classmethod
    def make(cls, folder: Path, sandbox_ca: SandboxCA) -> Steps:
        journal = StepJournal(folder / "state")
        fw, ca = StepFirewall(journal), StepCA(sandbox_ca)
        return cls(Kit(folder, sandbox_ca, fw, ca, journal), fw, ca)

    @property
    def journal(self) -> StepJournal:
        assert isinstance(self.kit.journal, StepJournal)
        return self.kit.journal

    def pair(self, **overrides: Any) -> Pair:
        return self.kit.pair(sectigo_csr_key_type="EC", **overrides)

    def settings(self, **overrides: Any) -> RunSettings:
        async def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        data: dict[str, Any] = {"clock": lambda: T0, "sleep": sleep}
        data.update(overrides)
        return self.kit.settings(**data)

    def context(
        self, pair: Pair, record: PairRecord, settings: RunSettings | None = None
    ) -> Context:
        """The record is saved first (as the executor has it on disk by then)."""
        self.journal.save(record, T0)
        self.journal.saves.clear()
        entries = ConfigSnapshot(self.fw._xml(self.fw.candidate), None).certificates(pair.location)
        inventory = {e.name: e for e in entries}
        return Context(pair, record, self.journal, self.fw, settings or self.settings(), inventory)

    def load(self, profile: str = "web") -> PairRecord:
        record = self.journal.load(profile, "fw_a")
        assert record is not None
        return record

    def signed_csr(self, pair: Pair, name: str, *, days: int = 90) -> list[str]:
        """Generate ``name``'s key and CSR on the fake firewall and sign it: the chain
        (leaf, intermediate) as one PEM string, the way a rotation records it."""
        asyncio.run(self.fw.generate_csr(pair.resolved.csr_for(name), pair.location))
        csr_pem = self.fw.candidate.objects[name].csr_pem
        assert csr_pem is not None
        leaf = self.kit.ca_root.sign_csr(
            x509.load_pem_x509_csr(csr_pem.encode()),
            common_name=pair.profile.common_name,
            dns_names=list(pair.profile.dns_names),
            not_before=T0 - dt.timedelta(hours=1),
            not_after=T0 + dt.timedelta(days=days),
        )
        pems = (leaf, self.kit.ca_root.intermediate)
        return ["".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in pems)]

    def imported(self, pair: Pair, name: str = NEW, **rotation: Any) -> Rotation:
        """``name`` imported in the candidate (signed, with its key): a rotation at IMPORTED."""
        chain = self.signed_csr(pair, name)
        self.fw.candidate.objects[name] = FakeObject(certificate_pem=chain[0])
        self.fw.calls.clear()
        self.fw.on_disk.clear()
        self.fw.generated.clear()
        data: dict[str, Any] = {
            "step": Step.IMPORTED,
            "object_name": name,
            "request_id": REQUEST,
            "reason": "in-window",
            "started_at": T0 - dt.timedelta(minutes=5),
            "profile_hash": pair.wanted.content_hash,
            "replaces": "web",
            "order_id": 1001,
            "api": "admin",
            "chain_pem": chain,
        }
        data.update(rotation)
        return Rotation(**data)

    def commit_candidate(self) -> None:
        """What a successful commit leaves: the running configuration is the candidate."""
        self.fw.running = copy.deepcopy(self.fw.candidate)


def error_of(result: PancertError | None) -> PancertError:
    assert result is not None, "an error was expected"
    return result


def messages(caplog: Any) -> list[tuple[int, str]]:
    """The lifecycle's log records (level, text) a ``caplog`` fixture caught."""
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == LOGGER]


def rotating(steps: Steps, step: Step | None, **changes: object) -> Context:
    """web on fw_a with a rotation to NEW at ``step`` (None: none yet), current object
    ``web``; ``changes`` override the rotation's fields."""
    pair = steps.pair()
    record = PairRecord(profile="web", firewall="fw_a", current_object="web")
    if step is not None:
        data: dict[str, object] = {
            "step": step,
            "object_name": NEW,
            "request_id": REQUEST,
            "reason": "in-window",
            "started_at": STARTED,
            "profile_hash": pair.wanted.content_hash,
            "replaces": "web",
            **changes,
        }
        record.rotation = Rotation.model_validate(data)
    return steps.context(pair, record)


def with_csr(steps: Steps, step: Step, *, on_device: bool = True, **changes: object) -> Context:
    """:func:`rotating`, with NEW's CSR journalled and its pending entry on the firewall
    (``on_device=False``: the entry is gone, the CSR still journalled); the recorders are
    cleared, so a test sees only the calls of the step it runs."""
    asyncio.run(steps.fw.generate_csr(steps.pair().resolved.csr_for(NEW), SHARED))
    csr = steps.fw.candidate.objects[NEW].csr_pem
    if not on_device:
        del steps.fw.candidate.objects[NEW]
    steps.fw.calls.clear()
    steps.fw.generated.clear()
    steps.fw.on_disk.clear()
    return rotating(steps, step, **{"csr_pem": csr, **changes})
