"""Admin API routes: ``/api/ssl/v1`` and ``/api/organization/v1`` (scm.md §3)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.serialization import Encoding
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pancert.sandbox.scm import render
from pancert.sandbox.scm.listing import LIST_FILTERS, matches
from pancert.sandbox.scm.store import ApiError, Order, serial_text
from pancert.sandbox.scm.validation import (
    bad,
    check_term,
    find_type,
    json_body,
    new_order,
    text_field,
    unparsable,
)

if TYPE_CHECKING:
    from pancert.sandbox.scm.app import ScmSandbox

SSL = "/api/ssl/v1"
ORG = "/api/organization/v1"
_PENDING_TEXT = {
    0: "Being processed by Sectigo",
    -1400: "The request is being processed by Sectigo.",
    -183: "Certificate is not collectable yet.",
    -109: "Certificate is not available now, try again later.",
    -103: "Certificate has not been collected yet.",
}
_NOT_COLLECTABLE = ("Declined", "Rejected", "Invalid")
_REVOKE_REASONS = {0, 1, 3, 4, 5}


def pending_error(sb: ScmSandbox, order: Order, status: int, default_code: int) -> ApiError:
    forced = sb.settings.switches.pending_code
    code: int = default_code if forced is None else forced
    return ApiError(status, code, _PENDING_TEXT[code])


def collectable(sb: ScmSandbox, order: Order, status: int, pending_code: int) -> None:
    """Raise what collect answers an order that cannot be downloaded yet or at all."""
    if order.status == "Revoked":
        raise bad(-110, "Certificate has been revoked and cannot be downloaded.")
    if order.status in _NOT_COLLECTABLE and sb.settings.switches.declined_not_collectable:
        raise bad(-183, "Certificate is not collectable.")
    owed = sb.store.take_pending_answer(order)
    if order.status in ("Requested", "Applied", "Approved") or (owed and order.status == "Issued"):
        raise pending_error(sb, order, status, pending_code)
    if order.status != "Issued":
        raise bad(-130, f"Certificate is not ISSUED (status {order.status}).")


def collect(sb: ScmSandbox, order: Order, fmt: str) -> Response:
    if fmt not in render.COLLECT_FORMATS:
        raise bad(-126, f"Unknown format: {fmt}.")
    collectable(sb, order, 400, 0)
    return render.collect_response(order, fmt, sb.store.chain(order), sb.settings.switches)


def _org_json(sb: ScmSandbox) -> list[dict[str, Any]]:
    s = sb.settings
    orgs: list[dict[str, Any]] = [
        {
            "id": s.org_id,
            "name": s.org_name,
            "departments": [{"id": s.department_id, "name": "IT", "parentName": s.org_name}],
        }
    ]
    orgs += [{"id": i, "name": n, "departments": []} for i, n in s.extra_orgs]
    return orgs


def _org_ids(sb: ScmSandbox) -> set[int]:
    s = sb.settings
    return {s.org_id, s.department_id, *(i for i, _ in s.extra_orgs)}


def routes(sb: ScmSandbox) -> list[Route]:  # noqa: PLR0915 - one closure per endpoint
    async def types(request: Request) -> Response:
        async def handler(_: str) -> Response:
            wanted = request.query_params.get("organizationId")
            offered = sb.settings.types
            if wanted is not None:
                try:
                    org_id = int(wanted)
                except ValueError as exc:
                    raise bad(
                        -1601, f"Field 'organizationId' has invalid value: {wanted}."
                    ) from exc
                if org_id not in _org_ids(sb):
                    raise bad(-1023, f"Organization '{org_id}' not found.")
                offered = tuple(t for t in offered if t.offered_to(org_id))
            words = sb.settings.switches.level_words_in_type_names
            return JSONResponse([t.as_json(level_words=words) for t in offered])

        return await sb.call("types", request, "admin", handler)

    async def custom_fields(request: Request) -> Response:
        async def handler(_: str) -> Response:
            fields = sb.settings.custom_fields
            return JSONResponse(
                [{"id": f.id, "name": f.name, "mandatory": f.mandatory} for f in fields]
            )

        return await sb.call("custom_fields", request, "admin", handler)

    async def enroll(request: Request) -> Response:
        async def handler(account: str) -> Response:
            body = await json_body(request)
            org_id = body.get("orgId")
            if org_id is None:
                raise bad(-7, "Field 'orgId' is required.")
            if not isinstance(org_id, int) or org_id not in _org_ids(sb):
                raise bad(-1023, f"Organization '{org_id}' not found.")
            cert_type = find_type(sb.settings, body.get("certType"))
            if not cert_type.offered_to(org_id):
                raise bad(-39, f"Invalid certificate profile id: {cert_type.id}.")
            if body.get("term") is None:
                raise bad(-7, "Field 'term' is required.")
            term = check_term(cert_type, body["term"])
            sans = body.get("subjAltNames") or ""
            if not isinstance(sans, str):
                raise unparsable()  # a JSON array here: python-cert_manager issue #89
            raw_fields = body.get("customFields") or []
            if not isinstance(raw_fields, list) or not all(
                isinstance(f, dict) and isinstance(f.get("name"), str) for f in raw_fields
            ):
                raise bad(-7, "Field 'customFields' must be a list of {name, value}.")
            order = new_order(
                sb.settings,
                sb.store.validated_domains,
                org_id=org_id,
                cert_type=cert_type,
                term=term,
                csr_text=body.get("csr"),
                extra_names=[n for n in sans.split(",") if n.strip()],
                comments=text_field(body, "comments", 1024),
                external_requester=text_field(body, "externalRequester", 512),
                custom_fields={f["name"]: str(f.get("value", "")) for f in raw_fields},
                dcv_mode=body.get("dcvMode"),
                dcv_email=body.get("dcvEmail"),
                requested_via="Web API",
                requester=account,
                now=sb.now(),
            )
            sb.store.add(order)
            return JSONResponse({"sslId": order.id, "renewId": order.renew_id})

        return await sb.call("enroll", request, "admin", handler)

    async def collect_query(request: Request) -> Response:
        async def handler(_: str) -> Response:
            if sb.settings.switches.path_form_collect_only:
                raise ApiError(404, -1450, "Unknown format.")
            order = sb.store.get(request.path_params["ssl_id"], sb.now())
            return collect(sb, order, request.query_params.get("format", "base64"))

        return await sb.call("collect", request, "admin", handler)

    async def collect_path(request: Request) -> Response:
        async def handler(_: str) -> Response:
            order = sb.store.get(request.path_params["ssl_id"], sb.now())
            return collect(sb, order, request.path_params["fmt"])

        return await sb.call("collect", request, "admin", handler)

    async def details(request: Request) -> Response:
        async def handler(_: str) -> Response:
            order = sb.store.get(request.path_params["ssl_id"], sb.now())
            fmt = request.query_params.get("dateFormat")
            return JSONResponse(render.details_json(order, fmt, sb.settings.switches))

        return await sb.call("details", request, "admin", handler)

    async def listing(request: Request) -> Response:
        async def handler(_: str) -> Response:
            params = dict(request.query_params)
            unknown = set(params) - {"size", "position", *LIST_FILTERS}
            if unknown:
                raise bad(-7, f"Unsupported parameter(s): {', '.join(sorted(unknown))}.")
            try:
                size = int(params.get("size", "10"))
                position = int(params.get("position", "0"))
            except ValueError as exc:
                raise bad(-7, "size and position must be integers.") from exc
            if not 0 <= size <= 200 or position < 0:
                raise bad(-7, "size must be 0..200 and position >= 0.")
            rows = [o for o in sb.store.all(sb.now()) if matches(o, params)]
            headers = {"X-Total-Count": str(len(rows))}
            if request.method == "HEAD":
                return Response(b"", 200, headers=headers)
            page = [
                {
                    "sslId": o.id,
                    "commonName": o.common_name,
                    "subjectAlternativeNames": list(o.sans),
                    "serialNumber": serial_text(o.certificate) if o.certificate else None,
                }
                for o in rows[position : position + size]
            ]
            return JSONResponse(page, headers=headers)

        return await sb.call("list", request, "admin", handler)

    async def renew_by_id(request: Request) -> Response:
        async def handler(account: str) -> Response:
            body = await json_body(request)
            old = sb.store.get(request.path_params["ssl_id"], sb.now())
            order = new_order(
                sb.settings,
                sb.store.validated_domains,
                org_id=old.org_id,
                cert_type=old.cert_type,
                term=old.term,
                csr_text=body.get("csr") or _csr_text(old),
                extra_names=list(old.sans),
                comments=old.comments,
                external_requester=old.external_requester,
                custom_fields={f["name"]: f["value"] for f in old.custom_fields},
                dcv_mode=body.get("dcvMode"),
                requested_via="Web API",
                requester=account,
                now=sb.now(),
            )
            sb.store.add(order)
            return JSONResponse({"sslId": order.id})

        return await sb.call("renew", request, "admin", handler)

    async def renew_manual(request: Request) -> Response:
        async def handler(_: str) -> Response:
            await json_body(request)
            order = sb.store.get(request.path_params["ssl_id"], sb.now())
            order.renewed, order.renewed_date = True, sb.now()
            return Response(status_code=204)

        return await sb.call("renew_manual", request, "admin", handler)

    async def revoke(request: Request) -> Response:
        async def handler(_: str) -> Response:
            body = await json_body(request)
            reason = body.get("reason")
            if not isinstance(reason, str) or not 1 <= len(reason) <= 512:
                raise bad(-7, "Field 'reason' is required (1 to 512 characters).")
            code = body.get("reasonCode", 0)
            if sb.settings.switches.revoke_reason_code_as_string and not isinstance(code, str):
                raise bad(-7, 'Field \'reasonCode\' must be one of "0","1","3","4","5".')
            if str(code) not in {str(r) for r in _REVOKE_REASONS}:
                raise bad(-7, f"Invalid reasonCode {code}.")
            sb.store.revoke(request.path_params["ssl_id"], int(code), sb.now())
            return Response(status_code=204)

        return await sb.call("revoke", request, "admin", handler)

    async def approve(request: Request) -> Response:
        async def handler(_: str) -> Response:
            await json_body(request)
            sb.store.approve(request.path_params["ssl_id"], sb.now())
            return Response(status_code=204)

        return await sb.call("approve", request, "admin", handler)

    async def decline(request: Request) -> Response:
        async def handler(_: str) -> Response:
            await json_body(request)
            sb.store.decline(request.path_params["ssl_id"], sb.now())
            return Response(status_code=204)

        return await sb.call("decline", request, "admin", handler)

    async def organizations(request: Request) -> Response:
        async def handler(_: str) -> Response:
            return JSONResponse(_org_json(sb))

        return await sb.call("organizations", request, "admin", handler)

    async def organization(request: Request) -> Response:
        async def handler(_: str) -> Response:
            for org in _org_json(sb):
                if org["id"] == request.path_params["org_id"]:
                    return JSONResponse(org)
            raise ApiError(404, -1023, "Organization not found.")

        return await sb.call("organization", request, "admin", handler)

    return [
        Route(f"{SSL}/types", types, methods=["GET"]),
        Route(f"{SSL}/customFields", custom_fields, methods=["GET"]),
        Route(f"{SSL}/enroll", enroll, methods=["POST"]),
        Route(f"{SSL}/collect/{{ssl_id:int}}", collect_query, methods=["GET"]),
        Route(f"{SSL}/collect/{{ssl_id:int}}/{{fmt}}", collect_path, methods=["GET"]),
        Route(f"{SSL}/renewById/{{ssl_id:int}}", renew_by_id, methods=["POST"]),
        Route(f"{SSL}/renew/manual/{{ssl_id:int}}", renew_manual, methods=["POST"]),
        Route(f"{SSL}/revoke/{{ssl_id:int}}", revoke, methods=["POST"]),
        Route(f"{SSL}/approve/{{ssl_id:int}}", approve, methods=["POST"]),
        Route(f"{SSL}/decline/{{ssl_id:int}}", decline, methods=["POST"]),
        Route(f"{SSL}/{{ssl_id:int}}", details, methods=["GET"]),
        Route(SSL, listing, methods=["GET", "HEAD"]),
        Route(ORG, organizations, methods=["GET"]),
        Route(f"{ORG}/{{org_id:int}}", organization, methods=["GET"]),
    ]


def _csr_text(order: Order) -> str:
    return order.csr.public_bytes(Encoding.PEM).decode()
