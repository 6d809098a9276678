"""The sandbox SCM: one Starlette app serving the Admin API, the REST Enrollment API, the
OAuth token endpoint and ``/_sandbox/`` control on one port.

Every route goes through :meth:`ScmSandbox.call`, the single dispatch point that names the call
kind, records the request, applies latency, authentication, rate limits and injected faults,
and turns :class:`ApiError` into SCM's ``{code, description}`` envelope (scm.md §4).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from pancert.sandbox.ca import SandboxCA
from pancert.sandbox.faults import DropConnectionMiddleware, FaultInjector, FaultRule, Recorder
from pancert.sandbox.scm import admin, control, enrollment
from pancert.sandbox.scm.auth import (
    TOKEN_PATH,
    Api,
    Authority,
    OAuthError,
    ScmSandboxCredentials,
    utcnow,
)
from pancert.sandbox.scm.settings import ScmSandboxSettings
from pancert.sandbox.scm.store import ApiError, Order, OrderStore

Handler = Callable[[], Awaitable[Response]]


def error_json(exc: ApiError) -> Response:
    return JSONResponse(
        {"code": exc.code, "description": exc.description}, exc.status, headers=exc.headers
    )


class ScmSandbox:
    """An emulated SCM tenant. ``app`` is the ASGI app (already wrapped for faults); ``store``,
    ``credentials``, ``faults`` and ``recorder`` are inspectable in-process."""

    def __init__(self, ca: SandboxCA, *, settings: ScmSandboxSettings | None = None) -> None:
        self.settings = settings or ScmSandboxSettings()
        self.ca = ca
        self.store = OrderStore(ca, self.settings)
        self.credentials = ScmSandboxCredentials.generate(
            self.settings.org_id, self.settings.department_id, self.settings.validated_domains
        )
        self.authority = Authority(
            self.credentials,
            self.settings.token_lifetime_s,
            lambda: self.settings.switches.bare_token_url_challenge,
        )
        self.faults = FaultInjector()
        self.recorder = Recorder()
        routes = [
            Route(TOKEN_PATH, self._token, methods=["POST"]),
            *control.routes(self),
            *admin.routes(self),
            *enrollment.routes(self),
        ]
        self._starlette = Starlette(routes=routes)
        self.app: ASGIApp = DropConnectionMiddleware(self._starlette)

    # -- in-process control (tests) ------------------------------------------------------

    def now(self) -> dt.datetime:
        return utcnow()

    def approve(self, order_id: int) -> Order:
        return self.store.approve(order_id, self.now())

    def set_next_validity(self, not_before: dt.datetime, not_after: dt.datetime) -> None:
        self.store.set_next_validity(not_before, not_after)

    def validate_domain(self, domain: str) -> None:
        self.store.validate_domain(domain, self.now())

    def add_fault(self, rule: FaultRule) -> FaultRule:
        return self.faults.add(rule)

    def expire_tokens(self) -> None:
        self.authority.expire_tokens()

    def orders(self) -> list[Order]:
        return self.store.all(self.now())

    def describe(self, url: str) -> dict[str, object]:
        """The ``scm`` block of ``sandbox.json`` for this sandbox served at ``url``
        (``https://localhost:PORT``): ``url`` is the Admin API base, ``enroll_url`` the REST
        Enrollment API URL, ``auth_url`` the token endpoint."""
        c = self.credentials
        return {
            "url": url + "/api/ssl/v1",
            "auth_url": url + TOKEN_PATH,
            "client_id": c.client_id,
            "client_secret": c.client_secret,
            "login": c.login,
            "password": c.password,
            "customer_uri": c.customer_uri,
            "org_id": c.org_id,
            "validated_domains": list(self.store.validated_domains),
            "enroll_url": url,
            "enroll_client_id": c.enroll_client_id,
            "enroll_client_secret": c.enroll_client_secret,
        }

    # -- the one dispatch point ----------------------------------------------------------

    async def call(
        self,
        kind: str,
        request: Request,
        api: Api | None,
        handler: Callable[[str], Awaitable[Response]],
    ) -> Response:
        """Run one API call of ``kind``; ``api`` None means no authentication (control)."""
        body = await request.body()
        self.recorder.record(kind, request, body)

        async def run() -> Response:
            if self.settings.latency_s and api is not None:
                await asyncio.sleep(self.settings.latency_s)
            try:
                account = "control" if api is None else self.authority.authenticate(request, api)
                if api is not None:
                    self.authority.throttle(account, self.settings.rate_limit_per_s)
                return await handler(account)
            except ApiError as exc:
                return error_json(exc)

        return await self.faults.run(kind, request, run, self._fault_error)

    def _fault_error(self, rule: FaultRule) -> Response:
        """The ``error`` fault: SCM's envelope; ``rule.body`` may carry ``{code, description}``."""
        payload: dict[str, Any] = {"code": -195, "description": "CA is not available, try later."}
        if rule.body:
            payload = json.loads(rule.body)
        return JSONResponse(payload, rule.status)

    async def _token(self, request: Request) -> Response:
        async def handler(_: str) -> Response:
            if not request.headers.get("content-type", "").startswith(
                "application/x-www-form-urlencoded"
            ):
                return JSONResponse({"error": "invalid_request"}, 400)
            # parsed by hand: Starlette's form parser needs python-multipart
            fields = dict(urllib.parse.parse_qsl((await request.body()).decode("utf-8", "replace")))
            try:
                token, lifetime = self.authority.issue_token(fields)
            except OAuthError as exc:
                return JSONResponse(
                    {"error": exc.error, "error_description": "Invalid client credentials"},
                    exc.status,
                )
            return JSONResponse(
                {
                    "access_token": token,
                    "expires_in": lifetime,
                    "refresh_expires_in": 0,
                    "token_type": "Bearer",
                    "not-before-policy": 0,
                    "scope": "",
                }
            )

        return await self.call("token", request, None, handler)
