"""``/_sandbox/`` control endpoints: state, approval, next validity, domains, faults, switches.

Unauthenticated on purpose: the sandbox listens on loopback only and these exist for tests,
the demo and benchmarks. Not part of SCM.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pancert.sandbox.scm.validation import bad, json_body

if TYPE_CHECKING:
    from pancert.sandbox.scm.app import ScmSandbox

BASE = "/_sandbox"


def _when(value: Any, name: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise bad(-7, f"{name} must be an ISO 8601 date-time.") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def routes(sb: ScmSandbox) -> list[Route]:
    async def state(request: Request) -> Response:
        async def handler(_: str) -> Response:
            return JSONResponse(
                {
                    "orders": [o.summary() for o in sb.orders()],
                    "validated_domains": list(sb.store.validated_domains),
                    "switches": dataclasses.asdict(sb.settings.switches),
                    "faults": [r.as_json() for r in sb.faults.rules()],
                    "requests": sb.recorder.counts(),
                }
            )

        return await sb.call("sandbox_state", request, None, handler)

    async def approve(request: Request) -> Response:
        async def handler(_: str) -> Response:
            return JSONResponse(sb.approve(request.path_params["order_id"]).summary())

        return await sb.call("sandbox_approve", request, None, handler)

    async def validity(request: Request) -> Response:
        async def handler(_: str) -> Response:
            body = await json_body(request)
            sb.set_next_validity(
                _when(body.get("not_before"), "not_before"),
                _when(body.get("not_after"), "not_after"),
            )
            return Response(status_code=204)

        return await sb.call("sandbox_validity", request, None, handler)

    async def domains(request: Request) -> Response:
        async def handler(_: str) -> Response:
            body = await json_body(request)
            domain = body.get("domain")
            if not isinstance(domain, str) or not domain:
                raise bad(-7, "Field 'domain' is required.")
            sb.validate_domain(domain)
            return Response(status_code=204)

        return await sb.call("sandbox_domains", request, None, handler)

    async def faults(request: Request) -> Response:
        async def handler(_: str) -> Response:
            if request.method == "DELETE":
                sb.faults.clear()
                return Response(status_code=204)
            body = await json_body(request)
            try:
                rule = sb.faults.add_from_json(body)
            except (TypeError, ValueError) as exc:
                raise bad(-7, str(exc)) from exc
            return JSONResponse(rule.as_json(), 201)

        return await sb.call("sandbox_faults", request, None, handler)

    async def switches(request: Request) -> Response:
        async def handler(_: str) -> Response:
            body = await json_body(request)
            try:
                sb.settings.switches = dataclasses.replace(sb.settings.switches, **body)
            except TypeError as exc:
                raise bad(-7, str(exc)) from exc
            return JSONResponse(dataclasses.asdict(sb.settings.switches))

        return await sb.call("sandbox_switches", request, None, handler)

    async def expire(request: Request) -> Response:
        async def handler(_: str) -> Response:
            sb.expire_tokens()
            return Response(status_code=204)

        return await sb.call("sandbox_expire_tokens", request, None, handler)

    return [
        Route(f"{BASE}/state", state, methods=["GET"]),
        Route(f"{BASE}/approve/{{order_id:int}}", approve, methods=["POST"]),
        Route(f"{BASE}/validity", validity, methods=["POST"]),
        Route(f"{BASE}/domains", domains, methods=["POST"]),
        Route(f"{BASE}/faults", faults, methods=["POST", "DELETE"]),
        Route(f"{BASE}/switches", switches, methods=["POST"]),
        Route(f"{BASE}/expire-tokens", expire, methods=["POST"]),
    ]
