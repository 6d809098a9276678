"""REST Enrollment API routes: ``/api/v1/certificates`` (enrollment.md §4).

The REST account fixes organization, profile and term (enrollment.md §1); ``productId`` or
``profileId`` may pick another of the sandbox's profiles (unverified upstream). Orders land in
the same store the Admin API reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.serialization import Encoding
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pancert.sandbox.scm import render
from pancert.sandbox.scm.admin import collectable
from pancert.sandbox.scm.settings import cabf_max_days
from pancert.sandbox.scm.store import Order, covered
from pancert.sandbox.scm.validation import (
    bad,
    check_term,
    find_type,
    json_body,
    new_order,
    text_field,
)

if TYPE_CHECKING:
    from pancert.sandbox.scm.app import ScmSandbox

BASE = "/api/v1/certificates"


def _account_term(order_type_terms: tuple[int, ...], sb: ScmSandbox) -> int:
    """The account's term: the longest the profile offers within the CA/B maximum today."""
    limit = cabf_max_days(sb.now().date())
    fitting = [t for t in order_type_terms if t <= limit]
    return max(fitting) if fitting else min(order_type_terms)


def _place(sb: ScmSandbox, body: dict[str, Any], account: str, old: Order | None) -> Order:
    profile = body.get("productId", body.get("profileId"))
    if profile is not None:
        cert_type = find_type(sb.settings, profile)
    elif old is not None:
        cert_type = old.cert_type
    else:
        cert_type = sb.settings.types[0]
    term = (
        check_term(cert_type, body["term"])
        if body.get("term") is not None
        else _account_term(cert_type.terms, sb)
    )
    sans = body.get("subjAltNames")
    if sans is not None and not (isinstance(sans, list) and all(isinstance(n, str) for n in sans)):
        raise bad(-7, "Field 'subjAltNames' must be an array of strings.")
    fields = body.get("customFields") or {}
    if not isinstance(fields, dict):
        raise bad(-7, "Field 'customFields' must be an object of name to value.")
    csr_text = body.get("csr")
    if csr_text is None and old is not None:
        csr_text = old.csr.public_bytes(Encoding.PEM).decode()
    order = new_order(
        sb.settings,
        sb.store.validated_domains,
        org_id=sb.settings.department_id,
        cert_type=cert_type,
        term=term,
        csr_text=csr_text,
        # no SANs asked for: they come from the CSR (enrollment.md §5)
        extra_names=list(sans) if sans is not None else (list(old.sans) if old else None),
        comments=text_field(body, "comments", 1024),
        external_requester=text_field(body, "externalRequester", 512),
        custom_fields={str(k): str(v) for k, v in fields.items()},
        dcv_mode=body.get("dcvMode"),
        dcv_email=body.get("dcvEmail"),
        requested_via="REST API",
        requester=account,
        now=sb.now(),
    )
    if sb.settings.enroll_auto_approve:
        order.approved = order.requested
    return sb.store.add(order)


def routes(sb: ScmSandbox) -> list[Route]:
    async def enroll(request: Request) -> Response:
        async def handler(account: str) -> Response:
            body = await json_body(request)
            if not body.get("csr"):
                raise bad(-7, "Field 'csr' is required.")
            order = _place(sb, body, account, None)
            return JSONResponse({"certId": order.id})

        return await sb.call("enroll", request, "enroll", handler)

    async def status(request: Request) -> Response:
        async def handler(_: str) -> Response:
            order = sb.store.get(request.path_params["cert_id"], sb.now())
            payload: dict[str, Any] = {"status": order.status}
            if order.dcv_pending:
                done = tuple(sb.store.validated_domains)
                missing = [n for n in order.sans if not covered(n, done)]
                payload["dcvInfo"] = {"status": "PENDING", "domains": missing}
            return JSONResponse(payload)

        return await sb.call("details", request, "enroll", handler)

    async def download(request: Request) -> Response:
        async def handler(_: str) -> Response:
            order = sb.store.get(request.path_params["cert_id"], sb.now())
            collectable(sb, order, 404, -109)
            leaf, intermediate = sb.store.chain(order)[:2]
            certs = (
                [intermediate, leaf]
                if sb.settings.switches.reversed_chain
                else [leaf, intermediate]
            )
            return Response(render.pem(certs), 200, media_type="application/pem-certificate-chain")

        return await sb.call("collect", request, "enroll", handler)

    async def renew(request: Request) -> Response:
        async def handler(account: str) -> Response:
            body = await json_body(request)
            old = sb.store.get(request.path_params["cert_id"], sb.now())
            order = _place(sb, body, account, old)
            return JSONResponse({"certId": order.id})

        return await sb.call("renew", request, "enroll", handler)

    async def revoke(request: Request) -> Response:
        async def handler(_: str) -> Response:
            body = await json_body(request)
            message = body.get("message")
            if not isinstance(message, str) or not message.strip():
                raise bad(-7, "Field 'message' is required.")
            code = body.get("reasonCode", 0)
            if str(code) not in {"0", "1", "3", "4", "5"}:
                raise bad(-7, f"Invalid reasonCode {code}.")
            sb.store.revoke(request.path_params["cert_id"], int(code), sb.now())
            return Response(status_code=200)

        return await sb.call("revoke", request, "enroll", handler)

    return [
        Route(BASE, enroll, methods=["POST"]),
        Route(f"{BASE}/{{cert_id:int}}/status", status, methods=["GET"]),
        Route(f"{BASE}/{{cert_id:int}}/renew", renew, methods=["POST"]),
        Route(f"{BASE}/{{cert_id:int}}", download, methods=["GET"]),
        Route(f"{BASE}/{{cert_id:int}}", revoke, methods=["DELETE"]),
    ]
