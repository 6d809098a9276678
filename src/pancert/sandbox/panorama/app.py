"""HTTP side of the sandbox Panorama: ``/api/`` and ``/_sandbox/``.

A request carrying ``target=<serial>`` is forwarded, unchanged, to that managed firewall's
own sandbox API over HTTPS (Panorama's key is known there as Panorama's admin), so the
firewall records, faults and answers it exactly as a direct call. Without ``target`` the
Panorama answers itself: the firewall's request types plus ``show devices connected|all``,
template imports (``target-tpl``) and ``commit-all`` pushes with per-device job results.

``/_sandbox/`` (JSON): ``GET state``; ``POST devices`` (``{"serial": …, "connected": false,
"fail_push": true}``); ``POST switches`` (``{"push_device_delay_s": …,
"commit_duration_s": …}``); ``POST faults`` / ``DELETE faults`` as on a firewall.
"""

from __future__ import annotations

import json
import ssl
import time
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from pancert.sandbox.faults import DropConnectionMiddleware
from pancert.sandbox.firewall import handlers, ops, transfer, wire
from pancert.sandbox.firewall.app import _fault_error, _http, _kind, state
from pancert.sandbox.firewall.replies import ApiError, Reply, element, error, success
from pancert.sandbox.panorama.panorama import Panorama, PushJob

_HOP_HEADERS = {"host", "content-length", "connection", "transfer-encoding"}


class PanoramaApp:
    """The ASGI app (``.app``) of one sandbox :class:`Panorama`."""

    def __init__(self, panorama: Panorama) -> None:
        self.panorama = panorama
        self.app: ASGIApp = DropConnectionMiddleware(self._asgi)
        self._http: httpx.AsyncClient | None = None

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            context = ssl.create_default_context(cadata=self.panorama.ca.bundle_pem().decode())
            self._http = httpx.AsyncClient(verify=context, timeout=120)
        return self._http

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        if request.url.path.startswith("/_sandbox/"):
            response = await self._control(request)
        elif request.url.path in ("/api", "/api/"):
            response = await self._dispatch(request)
        else:
            response = Response("Not Found", 404)
        await response(scope, receive, send)

    async def _dispatch(self, request: Request) -> Response:
        pano = self.panorama
        incoming = await wire.read(request)
        params, body = incoming.params, incoming.body
        target = params.get("target")
        kind = _kind(params)
        pano.recorder.record(f"target:{kind}" if target else kind, request, body)

        async def handle() -> Response:
            try:
                if target:
                    return await self._forward(request, target, body)
                return _http(await self._call(kind, incoming, request))
            except ApiError as exc:
                return _http(error(exc.code, *exc.lines, http_status=exc.http_status))

        return await pano.faults.run(kind, request, handle, _fault_error)

    async def _forward(self, request: Request, serial: str, body: bytes) -> Response:
        device = self.panorama.device(serial)
        port = device.firewall.port
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS}
        try:
            reply = await self._client().request(
                request.method,
                f"https://localhost:{port}/api/",
                params=list(request.query_params.multi_items()),
                content=body,
                headers=headers,
            )
        except httpx.TransportError as exc:
            raise ApiError(None, f"Device {serial} did not answer: {type(exc).__name__}") from exc
        kept = {
            k: v
            for k, v in reply.headers.items()
            if k.lower() in ("content-type", "content-disposition")
        }
        return Response(reply.content, reply.status_code, headers=kept)

    async def _call(self, kind: str, incoming: wire.Incoming, request: Request) -> Reply:
        pano = self.panorama
        params, upload = incoming.params, incoming.upload
        if kind == "keygen":
            return handlers.keygen(pano, params)
        key = params.get("key") or request.headers.get("x-pan-key")
        if key is None and incoming.basic is not None:
            user = pano.user_for_password(*incoming.basic)
        else:
            user = pano.user_for_key(key)
        api_type = params.get("type", "")
        if api_type == "version":
            return handlers.version(pano)
        if api_type == "config":
            return handlers.config(pano, user, params)
        if api_type == "op":
            return await self._op(user, params)
        if api_type == "commit" and params.get("action") == "all":
            cmd = handlers.parse_xml(params.get("cmd", ""), "cmd")
            job = pano.commit_all(user, cmd)
            line = element("line", f"Job enqueued with jobid {job.id}")
            return success(element("msg", None, line), element("job", str(job.id)), code=19)
        if api_type == "commit":
            return handlers.commit(pano, user, params)
        if api_type == "import" and params.get("target-tpl"):
            return self._template_import(user, params, upload)
        if api_type == "export":
            return transfer.export(pano, params)
        raise ApiError(400, f'Parameter "type" {api_type!r} is not valid here', http_status=400)

    def _template_import(self, user: str, params: dict[str, str], upload: bytes) -> Reply:
        pano = self.panorama
        vsys = params.get("target-tpl-vsys", "")
        location = vsys if vsys.startswith("vsys") else "shared"
        name = params.get("certificate-name", "")
        if params.get("category") == "keypair":
            pano.import_keypair(
                user,
                params["target-tpl"],
                location=location,
                name=name,
                passphrase=params.get("passphrase", ""),
                data=upload,
            )
        elif params.get("category") == "certificate":
            pano.import_certificate(
                user, params["target-tpl"], location=location, name=name, data=upload
            )
        else:
            raise ApiError(13, f"category {params.get('category')!r} is not supported")
        return success(text=f"Successfully imported {name} into candidate configuration")

    async def _op(self, user: str, params: dict[str, str]) -> Reply:
        pano = self.panorama
        cmd = handlers.parse_xml(params.get("cmd", ""), "cmd")
        path = [cmd.tag, *(c.tag for c in cmd.iterdescendants())][:3]
        if path[:2] == ["show", "devices"] and len(path) == 3:
            return self._devices(only_connected=path[2] == "connected")
        if path[:3] == ["show", "jobs", "id"]:
            job_id = (cmd.findtext("jobs/id") or "").strip().strip('"')
            push = pano.pushes.get(int(job_id)) if job_id.isdigit() else None
            if push is not None:
                return _push_reply(pano, push)
        if path[:2] == ["show", "panorama-status"]:
            raise ApiError(17, " show -> panorama-status is unexpected")
        return await ops.op(pano, user, params)

    def _devices(self, *, only_connected: bool) -> Reply:
        devices = element("devices")
        for device in self.panorama.devices.values():
            if only_connected and not device.connected:
                continue
            fw = device.firewall
            vsys = element("vsys", None, element("entry", None, element("display-name", "vsys1")))
            vsys[0].set("name", "vsys1")
            entry = element(
                "entry",
                None,
                element("serial", device.serial),
                element("connected", "yes" if device.connected else "no"),
                element("hostname", device.hostname),
                element("ip-address", "127.0.0.1"),
                element("model", fw.settings.model),
                element("sw-version", fw.settings.sw_version),
                element("multi-vsys", "no"),
                vsys,
            )
            entry.set("name", device.serial)
            devices.append(entry)
        return success(devices)

    async def _control(self, request: Request) -> Response:
        pano = self.panorama
        action = request.url.path.removeprefix("/_sandbox/").strip("/")
        data: dict[str, Any] = {}
        if request.method in ("POST", "PUT"):
            raw = await request.body()
            data = json.loads(raw) if raw else {}
        try:
            if action == "devices" and request.method == "POST":
                serial = str(data.pop("serial", ""))
                pano.set_device(serial, data)
            elif action == "switches":
                if "push_device_delay_s" in data:
                    pano.push_device_delay_s = float(data.pop("push_device_delay_s"))
                pano.set_switches(data)
            elif action == "faults" and request.method == "DELETE":
                pano.faults.clear()
            elif action == "faults":
                pano.faults.add_from_json(data)
            elif not (action == "state" and request.method == "GET"):
                return JSONResponse({"error": f"unknown control {action!r}"}, 404)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse(panorama_state(pano))


def panorama_state(pano: Panorama) -> dict[str, Any]:
    now = time.monotonic()
    data = state(pano)
    data["devices"] = pano.describe_devices()
    data["pushes"] = [
        {
            "id": job.id,
            "user": job.user,
            "kind": job.kind,
            "name": job.name,
            "result": job.result(now),
            "force_template_values": job.force_template_values,
            "devices": {d.serial: d.result for d in job.devices},
        }
        for job in pano.pushes.values()
    ]
    data["forced_template_values"] = pano.forced_template_values
    return data


def _push_reply(pano: Panorama, job: PushJob) -> Reply:
    now = time.monotonic()
    fields = pano.push_fields(job)
    devices = element("devices")
    for result in job.devices:
        pending = now < result.done_at or fields["status"] != "FIN"
        msg = element("msg")
        errors = element("errors")
        for line in [] if pending else result.lines:
            errors.append(element("line", line))
        msg.append(errors)
        msg.append(element("warnings"))
        msg.set("cmd", "push-data")
        msg.set("dname", result.serial)
        msg.set("result", "pending" if pending else "success" if result.result == "OK" else "fail")
        devices.append(
            element(
                "entry",
                None,
                element("serial-no", result.serial),
                element("devicename", result.hostname),
                element("multi-vsys", "no"),
                element("vsys"),
                element("status", "pending" if pending else result.result.lower()),
                element("result", "PEND" if pending else result.result),
                element("tstart", result.started),
                element("tfin", "" if pending else time.strftime("%H:%M:%S")),
                element("details", None, msg),
            )
        )
    node = element(
        "job",
        None,
        element("tenq", time.strftime("%Y/%m/%d %H:%M:%S")),
        element("id", str(job.id)),
        element("user", job.user),
        element("type", "CommitAll"),
        element("status", fields["status"]),
        element("queued", "NO"),
        element("stoppable", "no"),
        element("result", fields["result"]),
        element("tfin", time.strftime("%H:%M:%S") if fields["status"] == "FIN" else "Still Active"),
        element("description"),
        element("positionInQ", "0"),
        element("progress", fields["progress"]),
        element("push_type", job.kind),
        element("warnings"),
        devices,
    )
    return success(node)
