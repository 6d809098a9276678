"""HA pairs in the sandbox fleet: two firewalls, one active, config sync after each commit.

What the pair emulates, and on which public source each behaviour rests, is listed in
docs/sandbox-fidelity.md ("HA pairs"). In short:

- ``show high-availability state`` (and ``… all``) answers ``enabled``, ``group/mode``,
  ``local-info``/``peer-info`` (``state``, ``mgmt-ip``, ``conn-status``…), ``running-sync``
  and ``running-sync-enabled``, in the shape of the demisto/content sample
  (``Packs/PAN-OS/Integrations/Panorama/test_data/show_ha_state_enabled.xml``).
- A commit that changes the active peer's running configuration starts a config sync:
  ``running-sync`` reads ``synchronization in progress`` for ``sync_delay_s``, then
  ``synchronized``, and the passive peer's running (and candidate) configuration becomes the
  active's, private keys included, except the device-local ``deviceconfig/system`` (the
  management interface's SSL/TLS profile selection does not sync). Uncommitted changes never
  sync.
- Writes (set, edit, delete, generate, import, commit) on the passive peer are refused with
  code 15, and every such attempt is recorded in :attr:`HaPair.passive_writes`.
- Switches (``POST /_sandbox/ha`` on either peer): ``sync_enabled`` (false: commits stay on
  the active, ``running-sync-enabled`` reads ``no``), ``sync_never_completes``,
  ``sync_delay_s``, ``failover_after`` (``{"kind": "import", "count": 1}``: the pair fails
  over right after that call has been answered — a failover between two steps). ``POST
  /_sandbox/ha/failover`` fails over at once.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lxml import etree
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pancert.sandbox.firewall import tree
from pancert.sandbox.firewall.replies import ApiError, Reply, element, success

if TYPE_CHECKING:
    from pancert.sandbox.firewall.firewall import Firewall

DEVICE_LOCAL = "/config/devices/entry[@name='localhost.localdomain']/deviceconfig/system"
"""Not synced (PAN-OS admin guide, "What settings don't sync in active/passive HA":
https://docs.paloaltonetworks.com/pan-os/10-0/pan-os-admin/high-availability/reference-ha-synchronization/what-settings-dont-sync-in-activepassive-ha)."""

_SHARED_PROFILES = "/config/shared/ssl-tls-service-profile"
SYNCED = "synchronized"
IN_PROGRESS = "synchronization in progress"
NOT_SYNCED = "not synchronized"
QUEUED = "HA synchronization job has been queued on peer. Please check job status on peer."


@dataclass
class HaSwitches:
    sync_enabled: bool = True
    sync_never_completes: bool = False
    sync_delay_s: float = 0.2
    failover_after: dict[str, Any] | None = None
    """``{"kind": <call kind>, "count": n}``: fail over once, after the n-th such call."""


@dataclass
class PassiveWrite:
    peer: str
    kind: str
    user: str


class HaPair:
    """Two sandbox firewalls as one HA pair; the first named starts as the active peer."""

    def __init__(self, name: str, first: Firewall, second: Firewall) -> None:
        if first is second:
            raise ValueError(f"HA pair {name}: the two peers must be different firewalls")
        self.name = name
        self.peers = (first, second)
        self.active = first
        self.switches = HaSwitches()
        self.running_sync = SYNCED
        self.sync_due: float | None = None
        self.syncs = 0
        self.failovers: list[str] = []
        self.passive_writes: list[PassiveWrite] = []
        self._calls: dict[str, int] = {}
        # HA peers share admins and the master key, so an API key works on both (the keys
        # derive from them); the sandbox gives the second peer the first's accounts.
        second.username, second.password = first.username, first.password
        second.admins = dict(first.admins)
        second.api_key = first.api_key
        second.keys_by_api_key = dict(first.keys_by_api_key)
        for peer in self.peers:
            peer.ha = self
        self._copy_config(first, second)

    # -- roles ----------------------------------------------------------------------------

    @property
    def passive(self) -> Firewall:
        return self.peers[1] if self.active is self.peers[0] else self.peers[0]

    def peer_of(self, fw: Firewall) -> Firewall:
        return self.peers[1] if fw is self.peers[0] else self.peers[0]

    def state_of(self, fw: Firewall) -> str:
        return "active" if fw is self.active else "passive"

    def refuses(self, fw: Firewall, kind: str, user: str) -> None:
        """Code 15 for a write on the passive peer (PAN-OS XML API error codes: "15 Operation
        denied", https://docs.paloaltonetworks.com/pan-os/10-0/pan-os-panorama-api/get-started-with-the-pan-os-xml-api/pan-os-xml-api-error-codes)."""
        self.settle()
        if fw is self.active:
            return
        self.passive_writes.append(PassiveWrite(fw.name, kind, user))
        raise ApiError(15, "Command not allowed on a passive HA peer (HA state: passive)")

    def failover(self) -> None:
        """The passive peer takes over. A sync under way lands first (a requested failover
        is graceful); the old active keeps its uncommitted candidate, which never syncs."""
        if self.sync_due is not None and not self.switches.sync_never_completes:
            self._sync()
        self.active = self.passive
        self.failovers.append(self.active.name)

    # -- config sync ----------------------------------------------------------------------

    def committed(self, fw: Firewall) -> None:
        """``fw``'s running configuration changed by a commit: sync it to the peer."""
        if fw is not self.active:
            return
        if not self.switches.sync_enabled:
            self.running_sync = NOT_SYNCED
            return
        self.running_sync = IN_PROGRESS
        self.sync_due = time.monotonic() + self.switches.sync_delay_s

    def settle(self) -> None:
        if self.sync_due is None or self.switches.sync_never_completes:
            return
        if time.monotonic() >= self.sync_due:
            self._sync()

    def _sync(self) -> None:
        self._copy_config(self.active, self.passive)
        self.sync_due = None
        self.running_sync = SYNCED
        self.syncs += 1

    @staticmethod
    def _copy_config(source: Firewall, target: Firewall) -> None:
        own = [copy.deepcopy(n) for n in tree.select(target.running, DEVICE_LOCAL)]
        running = copy.deepcopy(source.running)
        for node in tree.select(running, DEVICE_LOCAL):
            parent = node.getparent()
            if parent is not None and own:
                parent.replace(node, own[0])
        target.running = running
        target.candidate = copy.deepcopy(running)
        target.changes.clear()
        target.key_store.absorb(source.key_store)
        target.management.refresh(target)

    def sync_to_remote(self, fw: Firewall) -> Reply:
        """``request high-availability sync-to-remote running-config`` (pan-os-python
        ``synchronize_config`` reads this reply)."""
        if fw is not self.active:
            raise ApiError(15, "Command not allowed on a passive HA peer (HA state: passive)")
        self.running_sync = IN_PROGRESS
        self.sync_due = time.monotonic() + self.switches.sync_delay_s
        return success(element("msg", None, element("line", QUEUED)))

    def per_peer_management(self) -> list[str]:
        """What an administrator sets up once for per-peer management certificates: one
        shared SSL/TLS service profile per peer (``mgmt-tls-<peer>``, synced like every
        profile) and, on each peer, the device-local selection of its own profile. Returns
        the profile names in peer order."""
        names = [f"mgmt-tls-{peer.name}" for peer in self.peers]
        template = tree.select(self.active.running, f"{_SHARED_PROFILES}/entry[@name='mgmt-tls']")
        for root in (self.active.running, self.active.candidate):
            container = tree.ensure(root, _SHARED_PROFILES)[0]
            for name in names:
                entry = copy.deepcopy(template[0])
                entry.set("name", name)
                container.append(entry)
        self._sync()
        for peer, name in zip(self.peers, names, strict=True):
            for root in (peer.running, peer.candidate):
                tree.select(root, f"{DEVICE_LOCAL}/ssl-tls-service-profile")[0].text = name
        return names

    # -- calls and switches ---------------------------------------------------------------

    def after_call(self, kind: str) -> None:
        """Counts calls on either peer, for ``failover_after``."""
        self._calls[kind] = self._calls.get(kind, 0) + 1
        trigger = self.switches.failover_after
        if trigger and trigger.get("kind") == kind and self._calls[kind] >= int(trigger["count"]):
            self.switches.failover_after = None
            self.failover()

    def set_switches(self, values: dict[str, Any]) -> None:
        known = {f.name for f in dataclasses.fields(HaSwitches)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown HA switches {sorted(unknown)} (allowed: {sorted(known)})")
        trigger = values.get("failover_after")
        if trigger is not None and (
            not isinstance(trigger, dict) or "kind" not in trigger or "count" not in trigger
        ):
            raise ValueError('failover_after: {"kind": <call kind>, "count": n}')
        self.switches = dataclasses.replace(self.switches, **values)
        if "failover_after" in values:
            self._calls.clear()
        if not self.switches.sync_enabled and self.running_sync == IN_PROGRESS:
            self.sync_due, self.running_sync = None, NOT_SYNCED

    async def control(self, request: Request) -> Response:
        """``/_sandbox/ha`` (GET: :meth:`describe`; POST: switches), ``/_sandbox/ha/failover``."""
        action = request.url.path.removeprefix("/_sandbox/ha").strip("/")
        try:
            if action == "failover" and request.method == "POST":
                self.failover()
            elif action == "" and request.method == "POST":
                raw = await request.body()
                self.set_switches(json.loads(raw) if raw else {})
            elif action or request.method != "GET":
                return JSONResponse({"error": f"unknown HA control {action!r}"}, 404)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse(self.describe())

    def describe(self) -> dict[str, Any]:
        self.settle()
        return {
            "name": self.name,
            "peers": [p.name for p in self.peers],
            "active": self.active.name,
            "passive": self.passive.name,
            "running_sync": self.running_sync,
            "switches": dataclasses.asdict(self.switches),
            "syncs": self.syncs,
            "failovers": list(self.failovers),
            "passive_writes": [dataclasses.asdict(w) for w in self.passive_writes],
        }

    # -- the op reply ---------------------------------------------------------------------

    def state_reply(self, fw: Firewall) -> Reply:
        self.settle()
        peer = self.peer_of(fw)
        group = element(
            "group",
            None,
            element("mode", "Active-Passive"),
            _info("local-info", fw, self.state_of(fw), self.peers.index(fw)),
            _info("peer-info", peer, self.state_of(peer), self.peers.index(peer), peer=True),
            element("running-sync", self.running_sync),
            element("running-sync-enabled", "yes" if self.switches.sync_enabled else "no"),
        )
        return success(element("enabled", "yes"), group)


def _info(tag: str, fw: Firewall, state: str, index: int, *, peer: bool = False) -> etree._Element:
    node = element(
        tag,
        None,
        element("build-rel", fw.settings.sw_version),
        element("platform-model", fw.settings.model),
        element("priority", str(100 - 10 * index)),
        element("state", state),
        element("version", "1"),
        element("mgmt-ip", "127.0.0.1/8"),
        element("preemptive", "no"),
        element("mode", "Active-Passive"),
    )
    if peer:
        node.append(element("conn-status", "up"))
    else:
        node.append(element("state-sync", "Complete"))
    return node
