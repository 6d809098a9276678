"""The Admin API client (``/api/ssl/v1``, scm.md §3), OAuth or legacy header auth."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any

from pancert.scm._http import ScmHttp, json_of
from pancert.scm.chain import leaf_first, parse_certificates
from pancert.scm.common import (
    ScmCredentialLike,
    comments_with_request_id,
    dcv_fields,
    parse_scm_date,
    refused_or_pending,
    request_id_in,
)
from pancert.scm.errors import (
    ScmBeingProcessed,
    ScmNotFound,
    ScmOutcomeUnknown,
    ScmProtocolError,
    ScmRequestRejected,
)
from pancert.scm.models import (
    ApiKind,
    EnrollRequest,
    IssuedChain,
    LookupOutcome,
    OrderDetails,
    OrderLookup,
    OrderRef,
    Pending,
    ResolvedProduct,
)
from pancert.scm.resolve import (
    CertTypeInfo,
    OrgInfo,
    cabf_max_days,
    choose_org,
    choose_term,
    choose_type,
    org_from_json,
)

log = logging.getLogger("pancert.scm")

SSL = "/api/ssl/v1"
PAGE_SIZE = 200
"""The list's documented maximum page size (scm.md §3.10)."""
_UNKNOWN_FORMAT = (-126, -1450)


class AdminApiClient:
    api = ApiKind.ADMIN

    def __init__(
        self,
        http: ScmHttp,
        credential: ScmCredentialLike,
        *,
        clock: Callable[[], dt.datetime],
        collect_formats: Sequence[str] = ("x509",),
    ) -> None:
        self._http = http
        self._credential = credential
        self._clock = clock
        self._formats = tuple(collect_formats)
        self._path_form = False
        self._types: dict[int, list[CertTypeInfo]] = {}
        self._orgs: list[OrgInfo] | None = None

    async def aclose(self) -> None:
        await self._http.aclose()

    async def types(self, org_id: int) -> list[CertTypeInfo]:
        if org_id not in self._types:
            response = await self._http.request(
                "types", "GET", f"{SSL}/types", idempotent=True, params={"organizationId": org_id}
            )
            payload = json_of(response, "types")
            if not isinstance(payload, list):
                raise ScmProtocolError("SCM types: expected a list")
            self._types[org_id] = [CertTypeInfo.from_json(item) for item in payload]
        return self._types[org_id]

    async def organizations(self) -> list[OrgInfo]:
        if self._orgs is None:
            response = await self._http.request(
                "organizations", "GET", "/api/organization/v1", idempotent=True
            )
            payload = json_of(response, "organizations")
            if not isinstance(payload, list):
                raise ScmProtocolError("SCM organizations: expected a list")
            self._orgs = [org_from_json(item) for item in payload]
        return self._orgs

    async def check_access(self) -> str:
        orgs = await self.organizations()
        names = ", ".join(f"{o.id} {o.name!r}" for o in orgs) or "none visible"
        return f"Admin API login accepted; organizations: {names}"

    async def resolve_product(self, request: EnrollRequest) -> ResolvedProduct:
        """Organization, then type among that organization's types, then term."""
        label = self._credential.label
        org_id = request.org_id or self._credential.org_id
        if org_id is None:
            org_id = choose_org(None, await self.organizations(), label=label)
        cert_type = choose_type(
            request.cert_type, await self.types(org_id), self._credential.cert_type_map, label=label
        )
        term = choose_term(request.term_days, cert_type, self._clock().date())
        if request.term_days is None:
            log.info(
                "%s: no term set; using %d days, the longest type %s offers within the "
                "CA/Browser Forum maximum of %d days",
                request.common_name,
                term,
                cert_type.id,
                cabf_max_days(self._clock().date()),
            )
        return ResolvedProduct(cert_type.id, cert_type.name, term, org_id)

    async def enroll(self, request: EnrollRequest) -> OrderRef:
        product = await self.resolve_product(request)
        body: dict[str, Any] = {
            "orgId": product.org_id,
            "certType": product.cert_type_id,
            "term": product.term_days,
            "csr": request.csr_pem.strip(),
            "subjAltNames": ",".join(n for n in request.dns_names if n != request.common_name),
            "comments": comments_with_request_id(request.comments, request.request_id),
        }
        if request.external_requester:
            body["externalRequester"] = request.external_requester
        if request.custom_fields:
            body["customFields"] = [
                {"name": k, "value": v} for k, v in request.custom_fields.items()
            ]
        if request.num_servers is not None:
            body["numberServers"] = request.num_servers
        if request.server_type is not None:
            body["serverType"] = request.server_type
        body.update(dcv_fields(self._credential))
        response = await self._http.request(
            "enroll",
            "POST",
            f"{SSL}/enroll",
            idempotent=False,
            json_body=body,
            domains=request.dns_names,
        )
        try:
            payload = json_of(response, "enroll")
            ref = OrderRef(int(payload["sslId"]), payload.get("renewId"), ApiKind.ADMIN)
        except (ScmProtocolError, KeyError, TypeError, ValueError) as exc:
            raise ScmOutcomeUnknown(
                "SCM enroll answered 200 without a readable sslId; the order may exist",
                operation="enroll",
            ) from exc
        log.info("%s: ordered, sslId %d", request.common_name, ref.order_id)
        return ref

    async def _collect_one(self, order_id: int, fmt: str) -> bytes:
        if not self._path_form:
            try:
                response = await self._http.request(
                    "collect",
                    "GET",
                    f"{SSL}/collect/{order_id}",
                    idempotent=True,
                    params={"format": fmt},
                )
            except (ScmNotFound, ScmRequestRejected) as exc:
                if exc.code not in _UNKNOWN_FORMAT:
                    raise
                # some tenants answer only the older path form (scm.md §3.5, unverified)
                log.info("SCM collect: query form refused (code %s); using the path form", exc.code)
                self._path_form = True
            else:
                return response.content
        response = await self._http.request(
            "collect", "GET", f"{SSL}/collect/{order_id}/{fmt}", idempotent=True
        )
        return response.content

    async def collect(self, order_id: int) -> IssuedChain | Pending:
        certs = []
        try:
            for fmt in self._formats:
                certs += parse_certificates(await self._collect_one(order_id, fmt))
        except ScmBeingProcessed as exc:
            return await refused_or_pending(self, order_id, exc)
        return IssuedChain(order_id, leaf_first(certs))

    async def details(self, order_id: int) -> OrderDetails:
        response = await self._http.request(
            "details", "GET", f"{SSL}/{order_id}", idempotent=True, params={"dateFormat": "ISO_HMS"}
        )
        payload = json_of(response, "details")
        if not isinstance(payload, dict) or "status" not in payload:
            raise ScmProtocolError("SCM details: no status in the answer")
        auto = payload.get("autoRenewDetails")
        return OrderDetails(
            order_id=int(payload.get("id") or payload.get("sslId") or order_id),
            status=str(payload["status"]),
            common_name=payload.get("commonName"),
            comments=payload.get("comments"),
            requested=parse_scm_date(payload.get("requested")),
            expires=parse_scm_date(payload.get("expires")),
            serial_number=payload.get("serialNumber"),
            dns_names=tuple(payload.get("subjectAlternativeNames") or ()),
            auto_renew_state=auto.get("state") if isinstance(auto, dict) else None,
        )

    async def _candidates(self, common_name: str) -> list[int]:
        ids: list[int] = []
        position = 0
        while True:
            response = await self._http.request(
                "list",
                "GET",
                SSL,
                idempotent=True,
                params={"commonName": common_name, "size": PAGE_SIZE, "position": position},
            )
            rows = json_of(response, "list")
            if not isinstance(rows, list):
                raise ScmProtocolError("SCM list: expected a list")
            for row in rows:
                # the filter's exact/substring and case rules are undocumented: check again
                if not isinstance(row, dict):
                    raise ScmProtocolError(f"SCM list: unreadable row {row!r:.200}")
                if str(row.get("commonName", "")).lower() == common_name.lower():
                    try:
                        ids.append(int(row["sslId"]))
                    except (KeyError, TypeError, ValueError) as exc:
                        raise ScmProtocolError(
                            f"SCM list: no numeric sslId in {row!r:.200}"
                        ) from exc
            position += len(rows)
            count = response.headers.get("x-total-count", "")
            total = int(count) if count.isdigit() else position
            if len(rows) < PAGE_SIZE or position >= total:
                return ids

    async def find_order(
        self, request_id: str, common_name: str, since: dt.datetime
    ) -> OrderLookup:
        """Page the list filtered by common name, newest first read each candidate's details
        and match the request id in its comments (scm.md §3.10, enrollment.md §12.1).
        Orders requested more than a day before ``since`` end the search (ids only grow)."""
        horizon = since - dt.timedelta(days=1)
        for order_id in sorted(await self._candidates(common_name), reverse=True):
            details = await self.details(order_id)
            if request_id_in(details.comments) == request_id:
                return OrderLookup(LookupOutcome.FOUND, order_id, f"sslId {order_id}")
            if details.requested is not None and details.requested < horizon:
                break
        return OrderLookup(
            LookupOutcome.NOT_FOUND, None, f"no order for {common_name} carries {request_id}"
        )

    async def revoke(self, order_id: int, reason: str, *, reason_code: int = 0) -> None:
        """Revoke at the CA (scm.md §3.8). Retried like any idempotent call, so a repeat
        that finds the certificate already revoked (-102) counts as done."""
        # a string code suits both readings: 25.5 doc says Number, spec B a string enum
        try:
            await self._http.request(
                "revoke",
                "POST",
                f"{SSL}/revoke/{order_id}",
                idempotent=True,
                json_body={"reasonCode": str(reason_code), "reason": reason[:512] or "revoked"},
            )
        except ScmRequestRejected as exc:
            if exc.code != -102 or (await self.details(order_id)).status.lower() != "revoked":
                raise

    async def retire_superseded(
        self, old_order_id: int, new_order_id: int, *, revoke: bool
    ) -> None:
        """Revoke the superseded order (reason 4, superseded), or tell SCM the new order
        renews it (``renew/manual``) so SCM's own expiry notices stop."""
        if revoke:
            await self.revoke(old_order_id, f"superseded by order {new_order_id}", reason_code=4)
        else:
            await self.mark_renewed(old_order_id, new_order_id)

    async def mark_renewed(self, old_order_id: int, new_order_id: int) -> None:
        await self._http.request(
            "renew_manual",
            "POST",
            f"{SSL}/renew/manual/{old_order_id}",
            idempotent=True,
            json_body={"id": new_order_id},
        )
