"""One emulated firewall: candidate and running configuration, admins and keys, the change
log behind admin-scoped partial commits, commit jobs and locks (panos.md §2, §7).

Every change to the candidate is logged as (admin, action, xpath, element). A full commit
publishes the candidate; a partial commit for admin U replays only U's logged changes onto
the running configuration — so another admin's pending changes stay pending, as on a real
device. A commit job runs ``commit_duration_s`` (ACT, then FIN); the running configuration
changes only when it finishes with result OK.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lxml import etree

from pancert.sandbox.ca import SandboxCA
from pancert.sandbox.faults import FaultInjector, Recorder
from pancert.sandbox.firewall import tree
from pancert.sandbox.firewall.certs import KeyStore
from pancert.sandbox.firewall.changes import SAFE, Change, apply
from pancert.sandbox.firewall.jobs import Job, job_element
from pancert.sandbox.firewall.mgmt import ManagementTls, management_certificate
from pancert.sandbox.firewall.replies import ApiError
from pancert.sandbox.firewall.seed import Seeding
from pancert.sandbox.firewall.settings import FirewallSettings

if TYPE_CHECKING:
    from pancert.sandbox.ha import HaPair


def _owner(change: Change, pending: list[Change]) -> str:
    """Whose admin-scoped partial commit takes ``change``: its admin, except for a set on a
    partial XPath, which belongs to the container — to the admin who last changed it that
    way, so two admins' entries added under one container travel together (pan-os-ansible
    #212) and the other admin's partial commit leaves them out (pan-os-python #570)."""
    if change.attributed:
        return change.admin
    last = [c.admin for c in pending if not c.attributed and c.xpath == change.xpath]
    return last[-1] if last else change.admin


@dataclass
class CommitRecord:
    job_id: int
    user: str
    description: str
    partial: bool
    result: str = "PEND"


class Firewall(Seeding):
    """In-process state of one sandbox firewall; tests read it directly."""

    def __init__(
        self, name: str, settings: FirewallSettings, serial: str, ca: SandboxCA | None = None
    ) -> None:
        self.name = name
        self.ca = ca or SandboxCA.create()
        self.serial = serial
        self.settings = settings
        self.port: int | None = None
        self.username = "admin"
        self.password = secrets.token_urlsafe(12)
        self.admins: dict[str, str] = {self.username: self.password}
        self.api_key = secrets.token_urlsafe(48)
        self.keys_by_api_key: dict[str, str] = {self.api_key: self.username}
        members = settings.decryption_members()
        self.candidate = tree.base_config(name, settings.sw_version, members)
        self.running = copy.deepcopy(self.candidate)
        self.changes: list[Change] = []
        self.created_by: dict[tuple[str, str], str] = {}
        """(location, certificate name) -> the admin whose API call generated or imported it
        first: the sandbox's own record of who made what, for tests to check ownership
        without asking pancert's naming."""
        self.jobs: dict[int, Job] = {}
        self.commits: list[CommitRecord] = []
        self.refused_key_exports = 0
        self.binding_violations: list[str] = []
        self.key_store = KeyStore()
        self.recorder = Recorder()
        self.faults = FaultInjector()
        self.config_lock: str | None = None
        self.commit_lock: str | None = None
        self.fail_commits = 0
        self.management = ManagementTls()
        self._next_job = 1
        self._mutations: asyncio.Lock | None = None
        self.ha: HaPair | None = None
        """Set when this firewall is a peer of a sandbox HA pair (:mod:`pancert.sandbox.ha`)."""

    # -- identity ---------------------------------------------------------------------------

    def add_admin(self, user: str, password: str) -> str:
        """Another administrator with its own API key (returned)."""
        self.admins[user] = password
        key = secrets.token_urlsafe(48)
        self.keys_by_api_key[key] = user
        return key

    def key_for(self, user: str) -> str:
        return next(k for k, u in self.keys_by_api_key.items() if u == user)

    def user_for_key(self, key: str | None) -> str:
        user = self.keys_by_api_key.get(key or "")
        if user is None:
            raise ApiError(403, "Invalid Credential", http_status=403)
        return user

    def user_for_password(self, user: str, password: str) -> str:
        """HTTP Basic credentials, accepted on every call but keygen."""
        if not user or self.admins.get(user) != password:
            raise ApiError(403, "Invalid Credential", http_status=403)
        return user

    def record_creation(self, location: str, name: str, user: str) -> None:
        """Called when ``user``'s generate or import makes a new entry (never on an edit)."""
        self.created_by[(location, name)] = user

    def created_objects(self, user: str, root_name: str = "candidate") -> set[str]:
        """Names of the certificate entries ``user`` created that ``root_name`` still holds."""
        root = getattr(self, root_name)
        names = {str(e.get("name")) for e in tree.select(root, "//certificate/entry")}
        return {n for (_, n), who in self.created_by.items() if who == user and n in names}

    def mutations(self) -> asyncio.Lock:
        if self._mutations is None:
            self._mutations = asyncio.Lock()
        return self._mutations

    # -- configuration --------------------------------------------------------------------

    def refuse_writes(self, user: str, kind: str = "write") -> None:
        if self.ha is not None:
            self.ha.refuses(self, kind, user)
        if self.settings.ha_passive:
            raise ApiError(15, "Command not allowed on a passive HA peer (HA state: passive)")
        if self.config_lock not in (None, user):
            raise ApiError(13, f"Configuration is locked by {self.config_lock}")

    def change(self, change: Change) -> list[etree._Element]:
        """Apply a write to the candidate and log it for the commit."""
        self.refuse_writes(change.admin, f"config_{change.action}")
        if change.action in ("edit", "delete", "rename", "move"):
            for node in tree.select(self.candidate, change.xpath):
                self._refuse_template(node)
                if change.action == "delete":
                    self._refuse_referenced(node)
        touched = apply(self.candidate, change, marks=True)
        if change.action != "delete" or touched:
            self.changes.append(change)
        return touched

    def _refuse_template(self, node: etree._Element) -> None:
        for owner in (node, *node.iterancestors()):
            if owner.get("src") in ("tpl", "ptpl"):
                raise ApiError(
                    13,
                    f"{tree.path_of(node)} is pushed by template {owner.get('ptpl')} and cannot "
                    "be changed on the firewall",
                )

    def _refuse_referenced(self, node: etree._Element) -> None:
        parent = node.getparent()
        if node.tag != "entry" or parent is None or parent.tag != "certificate":
            return
        arrows = not self.settings.reference_lines_as_xpath
        users = tree.referrers(self.candidate, str(node.get("name")), arrows=arrows)
        if users:
            raise ApiError(
                10,
                f" {node.get('name')} cannot be deleted because of references from:",
                *(f" {u}" for u in users),
            )

    def remark(self) -> None:
        """Marks follow the change log: nodes only uncommitted changes touched keep ``admin``."""
        tree.strip_marks(self.candidate)
        for change in self.changes:
            if change.action == "delete":
                continue
            for node in tree.select(self.candidate, change.xpath):
                tree.mark(node, change.admin)
                if change.action == "set":
                    added = etree.fromstring(f"<w>{change.element or ''}</w>".encode(), SAFE)
                    for child in added:
                        twin = tree.twin_of(node, child)
                        if twin is not None:
                            tree.mark(twin, change.admin)

    # -- commit and jobs ------------------------------------------------------------------

    def commit(self, user: str, description: str, partial_admins: list[str] | None) -> Job | None:
        self.refuse_writes(user, "commit")
        if self.commit_lock not in (None, user):
            raise ApiError(13, f"Commit lock is already held by {self.commit_lock}")
        self.settle()
        waiting = [j for j in self.jobs.values() if not j.finished]
        if waiting and not self.settings.queue_commits:
            raise ApiError(13, "Another commit/validate is in progress. Please try again later")
        queued = {id(c) for j in waiting for c in j.changes}
        pending = [c for c in self.changes if id(c) not in queued]
        if partial_admins is None:
            included = pending
            candidate: etree._Element | None = copy.deepcopy(self.candidate)
            assert candidate is not None
            tree.strip_marks(candidate)
        else:
            included = [c for c in pending if _owner(c, pending) in partial_admins]
            candidate = None
        if not included:
            return None
        now = time.time()
        start = max([now, *(j.end for j in waiting)])
        job = Job(
            self._next_job,
            user,
            description,
            partial_admins is not None,
            now,
            start,
            self.settings.commit_duration_s,
            candidate,
            included,
            forced_failure=self.fail_commits > 0,
        )
        self.fail_commits = max(0, self.fail_commits - 1)
        self._next_job += 1
        self.jobs[job.id] = job
        self.commits.append(CommitRecord(job.id, user, description, job.partial))
        return job

    def settle(self) -> None:
        """Finish, in queue order, every job whose time is up. A job's configuration is made
        when it runs (a queued partial commit builds on what the job before it committed);
        only an OK job changes the running configuration."""
        now = time.time()
        for job in sorted(self.jobs.values(), key=lambda j: j.id):
            if job.finished:
                continue
            if now < job.end:
                break
            snapshot = job.candidate
            if snapshot is None:
                snapshot = copy.deepcopy(self.running)
                for change in job.changes:
                    apply(snapshot, change, marks=False)
            job.snapshot = snapshot
            job.problems = tree.validate(snapshot)
            if job.forced_failure and not job.problems:
                job.problems = [
                    "Validation Error:",
                    " commit failed on request of the sandbox (fail_commits)",
                ]
            job.finished = True
            record = next(c for c in self.commits if c.job_id == job.id)
            record.result = job.result
            if job.problems:
                continue
            self._publish(snapshot)
            done = {id(c) for c in job.changes}
            self.changes = [c for c in self.changes if id(c) not in done]
            self.remark()
            if self.ha is not None:
                self.ha.committed(self)

    def _publish(self, running: etree._Element) -> None:
        """Make ``running`` the running configuration; when the commit binds another
        certificate to the management interface, its web server presents that one from
        now on (see :mod:`.mgmt`)."""
        before = management_certificate(self.running)
        self.running = running
        if management_certificate(running) != before:
            self.management.refresh(self)

    def job_xml(self, job: Job) -> etree._Element:
        self.settle()
        now = time.time()
        ahead = sum(1 for j in self.jobs.values() if not j.finished and j.id < job.id)
        return job_element(job, now, ahead, tfin_time_only=self.settings.tfin_time_only)

    # -- what another admin does (/_sandbox/) ---------------------------------------------

    def revert_candidate(self) -> None:
        self.candidate = copy.deepcopy(self.running)
        self.changes.clear()

    def after_write(self) -> None:
        """Another admin commits right after each write, when the switch says so."""
        if not self.settings.commit_by_other_after_writes:
            return
        self.commit_by_other()
        self.binding_violations.extend(tree.binding_problems(self.running, time.time()))

    def commit_by_other(self, admin: str = "admin2") -> None:
        running = copy.deepcopy(self.candidate)
        tree.strip_marks(running)
        self._publish(running)
        self.changes.clear()
        tree.strip_marks(self.candidate)
        self.commits.append(CommitRecord(0, admin, "committed by another admin", False, "OK"))
        if self.ha is not None:
            self.ha.committed(self)

    def set_switches(self, values: dict[str, Any]) -> None:
        known = {f.name for f in dataclasses.fields(FirewallSettings)} - {"key_pool"}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown switches {sorted(unknown)} (allowed: {sorted(known)})")
        self.settings = dataclasses.replace(self.settings, **values)
