"""The REST Enrollment API client (``{host}/api/v1/certificates``, enrollment.md §4), OAuth only.

The REST account fixes organization, profile and term (enrollment.md §1), so resolution is
small: a numeric type (or a DV/OV/EV mapped to one in ``sectigo_cert_type_map``) is sent as
``productId``; anything else is left to the account and logged. The API documents no way to
list orders, so :meth:`find_order` answers ``UNSUPPORTED`` and the lifecycle asks a person.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import Any

from pancert.scm._http import ScmHttp, json_of
from pancert.scm.chain import leaf_first, parse_certificates
from pancert.scm.common import (
    ScmCredentialLike,
    comments_with_request_id,
    dcv_fields,
    refused_or_pending,
)
from pancert.scm.errors import (
    ScmApiError,
    ScmBeingProcessed,
    ScmOutcomeUnknown,
    ScmProtocolError,
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
from pancert.scm.resolve import LEVELS

log = logging.getLogger("pancert.scm")

CERTS = "/api/v1/certificates"
CHAIN_MEDIA_TYPE = "application/pem-certificate-chain"


def single_line_csr(csr_pem: str) -> str:
    """Base64 PKCS#10 without header lines or breaks, as the enroll doc asks (enrollment.md §5)."""
    body = re.sub(r"-----(BEGIN|END) [A-Z ]+-----", "", csr_pem)
    return re.sub(r"\s+", "", body)


class EnrollmentApiClient:
    api = ApiKind.ENROLLMENT

    def __init__(
        self, http: ScmHttp, credential: ScmCredentialLike, *, clock: Callable[[], dt.datetime]
    ) -> None:
        self._http = http
        self._credential = credential
        self._clock = clock

    async def aclose(self) -> None:
        await self._http.aclose()

    async def check_access(self) -> str:
        """The API has no "who am I": ask for the status of an id that cannot exist. A 401
        means the credentials are refused; a not-found answer means they were accepted."""
        try:
            await self._http.request("access check", "GET", f"{CERTS}/0/status", idempotent=True)
        except ScmApiError as exc:
            if exc.http_status not in (400, 404):
                raise
        return "REST Enrollment API token accepted"

    async def resolve_product(self, request: EnrollRequest) -> ResolvedProduct:
        wanted = request.cert_type
        text = "" if wanted is None else str(wanted).strip()
        if text.upper() in LEVELS:
            mapping = self._credential.cert_type_map or {}
            text = str(mapping.get(text.upper(), mapping.get(text.lower(), text)))
        if text.isdigit():
            return ResolvedProduct(int(text), None, request.term_days, None)
        if text:
            log.info(
                "%s: certificate type %r is decided by the REST account's profile "
                "(the REST Enrollment API has no type list; map it to an id to choose)",
                request.common_name,
                text,
            )
        return ResolvedProduct(None, text or None, request.term_days, None)

    async def enroll(self, request: EnrollRequest) -> OrderRef:
        product = await self.resolve_product(request)
        body: dict[str, Any] = {
            "csr": single_line_csr(request.csr_pem),
            "subjAltNames": [n for n in request.dns_names if n != request.common_name],
            "comments": comments_with_request_id(request.comments, request.request_id),
        }
        if product.cert_type_id is not None:
            body["productId"] = product.cert_type_id
        if product.term_days is not None:
            body["term"] = product.term_days
        if request.external_requester:
            body["externalRequester"] = request.external_requester
        if request.custom_fields:
            body["customFields"] = dict(request.custom_fields)
        body.update(dcv_fields(self._credential))
        response = await self._http.request(
            "enroll", "POST", CERTS, idempotent=False, json_body=body, domains=request.dns_names
        )
        try:
            payload = json_of(response, "enroll")
            order_id = int(payload.get("certId", payload.get("id")))
        except (ScmProtocolError, AttributeError, TypeError, ValueError) as exc:
            raise ScmOutcomeUnknown(
                "SCM enroll answered 200 without a readable certId; the order may exist",
                operation="enroll",
            ) from exc
        log.info("%s: ordered, certId %d", request.common_name, order_id)
        return OrderRef(order_id, None, ApiKind.ENROLLMENT)

    async def collect(self, order_id: int) -> IssuedChain | Pending:
        try:
            response = await self._http.request(
                "collect",
                "GET",
                f"{CERTS}/{order_id}",
                idempotent=True,
                headers={"Accept": CHAIN_MEDIA_TYPE},
            )
        except ScmBeingProcessed as exc:
            return await refused_or_pending(self, order_id, exc)
        return IssuedChain(order_id, leaf_first(parse_certificates(response.content)))

    async def details(self, order_id: int) -> OrderDetails:
        response = await self._http.request(
            "details", "GET", f"{CERTS}/{order_id}/status", idempotent=True
        )
        payload = json_of(response, "details")
        if not isinstance(payload, dict) or "status" not in payload:
            raise ScmProtocolError("SCM status: no status in the answer")
        return OrderDetails(order_id=order_id, status=str(payload["status"]))

    async def find_order(
        self, request_id: str, common_name: str, since: dt.datetime
    ) -> OrderLookup:
        return OrderLookup(
            LookupOutcome.UNSUPPORTED,
            None,
            f"the REST Enrollment API cannot list orders: look in SCM for an order for "
            f"{common_name} placed after {since:%Y-%m-%d %H:%M} UTC whose comments carry "
            f"[pancert-request:{request_id}]",
        )

    async def revoke(self, order_id: int, reason: str, *, reason_code: int = 0) -> None:
        await self._http.request(
            "revoke",
            "DELETE",
            f"{CERTS}/{order_id}",
            idempotent=True,
            json_body={"message": reason or "revoked", "reasonCode": reason_code},
        )

    async def retire_superseded(
        self, old_order_id: int, new_order_id: int, *, revoke: bool
    ) -> None:
        """Revoke the superseded certificate (``DELETE /api/v1/certificates/{id}``, reason 4,
        superseded: https://scm-rest-enrollment.readme.io/docs/revoke-certificate); without
        ``revoke`` there is nothing to record, this API keeps no renewal bookkeeping."""
        if revoke:
            await self.revoke(old_order_id, f"superseded by order {new_order_id}", reason_code=4)

    async def mark_renewed(self, old_order_id: int, new_order_id: int) -> None:
        """The REST Enrollment API has no such call (enrollment.md §12.2): nothing to do."""
