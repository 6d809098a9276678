"""A loopback HTTPS front for Pebble that adds what Pebble 2.4 lacks: ARI (RFC 9773).

Every request is passed to Pebble unchanged, with the front's own ``Host`` header, so Pebble
builds its URLs (and checks each JWS ``url``) for the front's address. The front adds
``renewalInfo`` to the directory when ARI is on, serves ``GET /renewal-info/<certID>`` from
windows the tests set (by default the last third of the certificate's lifetime, one day
long), and records what crosses it: the JWS payload of each new-order request (``replaces``)
and every certificate downloaded. ACME POST bodies are JWS (RFC 8555 §6.2) whose payload is
plain base64url JSON, so reading them needs no key.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import ssl
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography import x509
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from pancert.acme.renewal import cert_id

RENEWAL_PATH = "/renewal-info"
NEW_ORDER_PATH = "/order-plz"
ORDER_PATH = "/my-order/"
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


@dataclass
class AriState:
    enabled: bool = False
    retry_after_s: int = 6 * 3600
    windows: dict[str, tuple[dt.datetime, dt.datetime]] = field(default_factory=dict)
    """certID → suggested window; unset certIDs get the default."""
    requests: list[str] = field(default_factory=list)
    certificates: dict[str, x509.Certificate] = field(default_factory=dict)
    new_orders: list[dict[str, Any]] = field(default_factory=list)
    hold_processing: int = 0
    """Answer this many polls of a finished order as ``processing`` with ``Retry-After``, as
    Sectigo does while it issues (``Retry-After: 300``)."""
    processing_retry_after_s: int = 300
    order_polls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def window_for(self, certid: str) -> tuple[dt.datetime, dt.datetime] | None:
        if certid in self.windows:
            return self.windows[certid]
        cert = self.certificates.get(certid)
        if cert is None:
            return None
        start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
        begin = end - (end - start) / 3
        return begin, begin + dt.timedelta(days=1)


def _payload(body: bytes) -> dict[str, Any]:
    try:
        encoded = json.loads(body)["payload"]
        data = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (ValueError, KeyError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


class AcmeFront:
    def __init__(self, pebble_url: str, ca_bundle: str, state: AriState | None = None) -> None:
        self.pebble_url = pebble_url
        self.ca_bundle = ca_bundle
        self.state = state or AriState()
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                verify=ssl.create_default_context(cafile=self.ca_bundle), timeout=60
            )
        return self._client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        response = await self._handle(request)
        await response(scope, receive, send)

    async def _handle(self, request: Request) -> Response:
        path = request.url.path
        if request.method == "GET" and path.startswith(RENEWAL_PATH + "/"):
            return self._renewal_info(path[len(RENEWAL_PATH) + 1 :])
        body = await request.body()
        if request.method == "POST" and path == NEW_ORDER_PATH:
            with self.state.lock:
                self.state.new_orders.append(_payload(body))
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        upstream = await self._http().request(
            request.method,
            self.pebble_url
            + request.url.path
            + (f"?{request.url.query}" if request.url.query else ""),
            content=body,
            headers=headers,
        )
        content = upstream.content
        kind = upstream.headers.get("content-type", "")
        if request.method == "GET" and path == "/dir" and self.state.enabled:
            directory = json.loads(content)
            directory["renewalInfo"] = f"https://{request.headers['host']}{RENEWAL_PATH}"
            content = json.dumps(directory).encode()
        if kind.startswith("application/pem-certificate-chain"):
            self._remember(content)
        out = {k: v for k, v in upstream.headers.multi_items() if k.lower() not in _HOP}
        if request.method == "POST" and path.startswith(ORDER_PATH):
            content = self._maybe_processing(content, out)
        response = Response(content, upstream.status_code)
        for key, value in out.items():
            response.headers[key] = value
        link = upstream.headers.get_list("link")
        if len(link) > 1:
            del response.headers["link"]
            for value in link:
                response.headers.append("link", value)
        return response

    def _maybe_processing(self, content: bytes, headers: dict[str, str]) -> bytes:
        with self.state.lock:
            self.state.order_polls += 1
            try:
                order = json.loads(content)
            except ValueError:
                return content
            if order.get("status") != "valid" or self.state.hold_processing <= 0:
                return content
            self.state.hold_processing -= 1
            headers["Retry-After"] = str(self.state.processing_retry_after_s)
        order["status"] = "processing"
        order.pop("certificate", None)
        return json.dumps(order).encode()

    def _remember(self, pem: bytes) -> None:
        try:
            leaf = x509.load_pem_x509_certificates(pem)[0]
            certid = cert_id(leaf)
        except (ValueError, IndexError, x509.ExtensionNotFound):
            return
        with self.state.lock:
            self.state.certificates[certid] = leaf

    def _renewal_info(self, certid: str) -> Response:
        with self.state.lock:
            self.state.requests.append(certid)
            window = self.state.window_for(certid) if self.state.enabled else None
        if window is None:
            return JSONResponse(
                {"type": "urn:ietf:params:acme:error:malformed", "detail": "unknown certID"},
                404,
                media_type="application/problem+json",
            )
        start, end = window
        body = {"suggestedWindow": {"start": _rfc3339(start), "end": _rfc3339(end)}}
        return JSONResponse(body, headers={"Retry-After": str(self.state.retry_after_s)})


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
