"""HTTP side of the sandbox firewalls: ``/api/`` (GET and POST, form and multipart, key in
``key=`` or ``X-PAN-KEY``) and ``/_sandbox/`` control, for a fleet served by one ASGI app
that tells firewalls apart by the port in ``scope["server"]``.

Every API call goes through :meth:`FirewallFleet._dispatch`, which names the call kind
(``keygen``, ``version``, ``config_get``…, ``generate``, ``show_jobs``, ``commit``,
``export``, ``import``…), records the request, applies injected faults and serializes
mutating calls per firewall.

``/_sandbox/`` (JSON): ``GET state``; ``POST faults`` (a FaultRule), ``DELETE faults``;
``POST switches`` (FirewallSettings fields); ``POST revert`` / ``POST commit-by-other``
(another admin discards or commits the candidate); ``POST locks`` (``{"config": "admin2",
"commit": null}``); ``POST fail-commits`` (``{"count": n}``); on a peer of an HA pair, ``GET
ha``, ``POST ha`` (the pair's switches) and ``POST ha/failover`` (see :mod:`pancert.sandbox.ha`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import ssl
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from pancert.sandbox.ca import SandboxCA
from pancert.sandbox.faults import DropConnection, DropConnectionMiddleware, FaultRule
from pancert.sandbox.firewall import handlers, ops, transfer, tree, wire
from pancert.sandbox.firewall.firewall import Firewall
from pancert.sandbox.firewall.replies import ApiError, Reply, error
from pancert.sandbox.firewall.settings import FirewallSettings

_MUTATING = {"config_set", "config_edit", "config_delete", "generate", "commit", "import"}


def _http(reply: Reply) -> Response:
    return Response(reply.body, reply.status, headers=reply.headers, media_type=reply.media_type)


def _fault_error(rule: FaultRule) -> Response:
    code = rule.status if rule.status < 100 or rule.status in (400, 403) else 13
    http_status = rule.status if rule.status in (400, 403) else 200
    return _http(error(code, rule.body or "fault injected by the sandbox", http_status=http_status))


def _kind(params: dict[str, str]) -> str:
    kind = params.get("type", "")
    if kind == "config":
        return f"config_{params.get('action', '')}"
    if kind == "op":
        try:
            return ops.op_kind(handlers.parse_xml(params.get("cmd", ""), "cmd"))
        except ApiError:
            return "op"
    return kind or "unknown"


def _names(root: Any, xpath: str) -> list[str]:
    return [str(e.get("name")) for e in tree.select(root, xpath)]


class FirewallFleet:
    """``count`` sandbox firewalls behind one ASGI app (``.app``); ``bind(ports)`` tells the
    fleet which loopback port is which firewall (in order), after the sockets are bound."""

    def __init__(
        self, ca: SandboxCA, count: int, *, settings: FirewallSettings | None = None
    ) -> None:
        base = settings or FirewallSettings()
        self.ca = ca
        self.firewalls = [
            Firewall(f"fw{i + 1}", dataclasses.replace(base), f"0079{i + 1:011d}", ca)
            for i in range(count)
        ]
        self._by_port: dict[int, Firewall] = {}
        self.app: ASGIApp = DropConnectionMiddleware(self._asgi)

    def bind(self, ports: list[int]) -> None:
        if len(ports) != len(self.firewalls):
            raise ValueError(f"{len(self.firewalls)} firewalls need as many ports, got {ports}")
        self._by_port = dict(zip(ports, self.firewalls, strict=True))
        for port, firewall in self._by_port.items():
            firewall.port = port

    def attach_tls(self, contexts: dict[int, ssl.SSLContext]) -> None:
        """Give each firewall its port's TLS context, so a commit that binds a new management
        certificate changes what that port presents (see :mod:`.mgmt`)."""
        for firewall in self.firewalls:
            context = contexts.get(firewall.port or -1)
            if context is not None:
                firewall.management.attach(context)

    def describe(self, host: str = "localhost") -> list[dict[str, Any]]:
        """What ``sandbox.json`` lists per firewall (the key and password are sandbox-only)."""
        return [
            {
                "name": fw.name,
                "url": f"https://{host}:{fw.port}",
                "port": fw.port,
                "username": fw.username,
                "password": fw.password,
                "api_key": fw.api_key,
                "sw_version": fw.settings.sw_version,
                "serial": fw.serial,
            }
            for fw in self.firewalls
        ]

    def firewall_for(self, scope: Scope) -> Firewall:
        server = scope.get("server")
        port = server[1] if server else None
        if port in self._by_port:
            return self._by_port[port]
        if len(self.firewalls) == 1:
            return self.firewalls[0]
        raise LookupError(f"no sandbox firewall on port {port}")

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        firewall = self.firewall_for(scope)
        if request.url.path.startswith("/_sandbox/ha") and firewall.ha is not None:
            response = await firewall.ha.control(request)
        elif request.url.path.startswith("/_sandbox/"):
            response = await self._control(firewall, request)
        elif request.url.path in ("/api", "/api/"):
            response = await self._dispatch(firewall, request)
        else:
            response = Response("Not Found", 404)
        await response(scope, receive, send)

    async def _dispatch(self, fw: Firewall, request: Request) -> Response:
        incoming = await wire.read(request, literal_quotes=fw.settings.quoted_boundary_literal)
        kind = _kind(incoming.params)
        fw.recorder.record(kind, request, incoming.body)

        async def handle() -> Response:
            if fw.management.restarting:
                # the management server restarted (new certificate) since the last call
                fw.management.restarting = False
                return DropConnection()
            if fw.settings.call_latency_s:
                await asyncio.sleep(fw.settings.call_latency_s)
            try:
                if kind in _MUTATING and fw.settings.serialize_mutations:
                    async with fw.mutations():
                        reply = await self._call(fw, kind, incoming, request)
                else:
                    reply = await self._call(fw, kind, incoming, request)
                if kind in _MUTATING and kind != "commit" and reply.status == 200:
                    fw.after_write()
                if fw.management.restarting:
                    fw.management.restarting = False
                    return DropConnection()
                return _http(reply)
            except ApiError as exc:
                return _http(error(exc.code, *exc.lines, http_status=exc.http_status))

        response = await fw.faults.run(kind, request, handle, _fault_error)
        if fw.ha is not None:
            fw.ha.after_call(kind)
        return response

    async def _call(
        self, fw: Firewall, kind: str, incoming: wire.Incoming, request: Request
    ) -> Reply:
        params, upload = incoming.params, incoming.upload
        if kind == "keygen":
            # "basic authentication cannot be used to get a key" (API Authentication and
            # Security, docs.paloaltonetworks.com): only user= and password= count here
            return handlers.keygen(fw, params)
        key = params.get("key") or request.headers.get("x-pan-key")
        if key is None and incoming.basic is not None:
            user = fw.user_for_password(*incoming.basic)
        else:
            user = fw.user_for_key(key)
        api_type = params.get("type", "")
        if api_type == "version":
            return handlers.version(fw)
        if api_type == "config":
            return handlers.config(fw, user, params)
        if api_type == "op":
            return await ops.op(fw, user, params)
        if api_type == "commit":
            return handlers.commit(fw, user, params)
        if api_type == "export":
            return transfer.export(fw, params)
        if api_type == "import":
            return transfer.import_file(fw, user, params, upload, incoming.filename)
        raise ApiError(400, f'Parameter "type" {api_type!r} is not valid', http_status=400)

    async def _control(self, fw: Firewall, request: Request) -> Response:
        action = request.url.path.removeprefix("/_sandbox/").strip("/")
        data: dict[str, Any] = {}
        if request.method in ("POST", "PUT"):
            raw = await request.body()
            data = json.loads(raw) if raw else {}
        try:
            if action == "state" and request.method == "GET":
                return JSONResponse(state(fw))
            if action == "faults" and request.method == "DELETE":
                fw.faults.clear()
                return JSONResponse({"faults": []})
            if action == "faults":
                rule = fw.faults.add_from_json(data)
                return JSONResponse({"added": rule.as_json()})
            if action == "switches":
                fw.set_switches(data)
                return JSONResponse({"switches": _switches(fw)})
            if action == "revert":
                fw.revert_candidate()
            elif action == "commit-by-other":
                fw.commit_by_other(str(data.get("admin", "admin2")))
            elif action == "locks":
                fw.config_lock = data.get("config", fw.config_lock)
                fw.commit_lock = data.get("commit", fw.commit_lock)
            elif action == "fail-commits":
                fw.fail_commits = int(data.get("count", 1))
            else:
                return JSONResponse({"error": f"unknown control {action!r}"}, 404)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse(state(fw))


def _switches(fw: Firewall) -> dict[str, Any]:
    values = dataclasses.asdict(dataclasses.replace(fw.settings, key_pool=None))
    values.pop("key_pool", None)
    return values


def state(fw: Firewall) -> dict[str, Any]:
    """Everything a test or a person inspecting the sandbox wants to see, as JSON."""
    fw.settle()
    certificates = "//certificate/entry"
    return {
        "name": fw.name,
        "port": fw.port,
        "switches": _switches(fw),
        "candidate_certificates": _names(fw.candidate, certificates),
        "running_certificates": _names(fw.running, certificates),
        "references": {
            name: tree.referrers(fw.candidate, name) for name in _names(fw.candidate, certificates)
        },
        "pending_changes": [dataclasses.asdict(c) for c in fw.changes],
        "commits": [dataclasses.asdict(c) for c in fw.commits],
        "calls": fw.recorder.counts(),
        "refused_key_exports": fw.refused_key_exports,
        "requests": [
            {"method": r["method"], "path": r["path"], "query": r["query"], "kind": r["kind"]}
            for r in fw.recorder.records()
        ],
        "locks": {"config": fw.config_lock, "commit": fw.commit_lock},
        "ha": fw.ha.describe() if fw.ha is not None else None,
    }
