"""``GET /api/ssl/v1`` filters: every one the 25.5 doc and spec 25.9.2 document (scm.md §3.10)."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes

from pancert.sandbox.scm import render
from pancert.sandbox.scm.store import Order, serial_text

LIST_FILTERS = (
    "commonName",
    "subjectAlternativeName",
    "status",
    "sslTypeId",
    "discoveryStatus",
    "vendor",
    "orgId",
    "installStatus",
    "renewalStatus",
    "issuer",
    "serialNumber",
    "requester",
    "externalRequester",
    "signatureAlgorithm",
    "keyAlgorithm",
    "keySize",
    "keyParam",
    "sha1Hash",
    "md5Hash",
    "sha256Hash",
    "keyUsage",
    "extendedKeyUsage",
    "requestedVia",
)
"""Every filter of "List SSL certificates" in the 25.5 doc and spec 25.9.2."""


def _row_values(order: Order) -> dict[str, str]:
    """What each list filter compares with, lower-cased (exact match, as the thin rows allow)."""
    cert = order.certificate
    key_type = render.key_type_text(order.csr)  # "RSA - 2048" / "EC - 256"
    algorithm, _, param = key_type.partition(" - ")
    values = {
        "commonName": order.common_name,
        "status": order.status,
        "sslTypeId": str(order.cert_type.id),
        "discoveryStatus": "NotDeployed",
        "vendor": "pancert sandbox",
        "orgId": str(order.org_id),
        "installStatus": "NONE",
        "renewalStatus": order.auto_renew_state.upper().replace(" ", "_"),
        "requester": order.requester,
        "externalRequester": order.external_requester,
        "keyAlgorithm": algorithm,
        "keySize": param,
        "keyParam": param if algorithm == "RSA" else f"P-{param}",
        "keyUsage": "digitalSignature,keyEncipherment",
        "extendedKeyUsage": "serverAuth",
        "requestedVia": order.requested_via,
    }
    if cert is not None:
        values |= {
            "issuer": cert.issuer.rfc4514_string(),
            "serialNumber": serial_text(cert).replace(":", ""),
            "signatureAlgorithm": "SHA256WITHECDSA",
            "sha1Hash": cert.fingerprint(hashes.SHA1()).hex(),  # noqa: S303 - SCM lists it
            "md5Hash": cert.fingerprint(hashes.MD5()).hex(),  # noqa: S303 - SCM lists it
            "sha256Hash": cert.fingerprint(hashes.SHA256()).hex(),
        }
    return {k: v.lower() for k, v in values.items()}


_VIA_SPELLINGS = {"WEBAPI": ("WEBAPI", "API"), "RESTAPI": ("RESTAPI", "REST")}


def _channel(text: str) -> str:
    return text.upper().replace(" ", "").replace("_", "")


def matches(order: Order, params: dict[str, str]) -> bool:
    values = _row_values(order)
    for key, wanted in params.items():
        if key in ("size", "position"):
            continue
        want = wanted.strip().lower()
        if key == "subjectAlternativeName":
            if want not in order.sans:
                return False
        elif key in ("serialNumber", "sha1Hash", "md5Hash", "sha256Hash"):
            if values.get(key) != want.replace(":", ""):
                return False
        elif key == "requestedVia":
            # the 25.5 doc spells the channels API and REST, spec 25.9.2 "Web API", "REST API"
            if _channel(want) not in _VIA_SPELLINGS.get(_channel(values[key]), ()):
                return False
        elif values.get(key) != want:
            return False
    return True
