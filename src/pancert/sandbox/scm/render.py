"""How the sandbox writes certificates and dates on the wire (scm.md §3.4, §3.5)."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from starlette.responses import Response

from pancert.sandbox.scm.settings import Switches
from pancert.sandbox.scm.store import ApiError, Order, serial_text

COLLECT_FORMATS = (
    "x509",
    "x509CO",
    "base64",
    "bin",
    "x509IO",
    "x509IOR",
    "pem",
    "pemco",
    "pemia",
    "x509R",
)


def pem(certs: list[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def collect_body(fmt: str, chain: list[x509.Certificate], switches: Switches) -> bytes:
    """One collect format. ``chain`` is leaf first, each certificate followed by its issuer.
    As the service sends them: ``x509``/``pem`` root first and leaf last, ``x509R`` leaf
    first, ``x509IO`` root then intermediates, ``x509IOR`` the reverse
    (docs/sandbox-fidelity.md gives the sources)."""
    leaf, issuers = chain[0], chain[1:]

    def ordered(certs: list[x509.Certificate]) -> bytes:
        return pem(certs[::-1] if switches.reversed_chain else certs)

    match fmt:
        case "x509" | "pem":
            return ordered(chain[::-1])
        case "x509R":
            return ordered(chain)
        case "x509CO" | "pemco":
            return pem([leaf])
        case "pemia":
            return pem([leaf, issuers[0]])
        case "x509IO":
            return ordered(issuers[::-1])
        case "x509IOR":
            return ordered(issuers)
        case "base64":
            return pkcs7.serialize_certificates(chain, serialization.Encoding.PEM)
        case "bin":
            return pkcs7.serialize_certificates(chain, serialization.Encoding.DER)
    raise ApiError(400, -126, f"Unknown format: {fmt}.")


def collect_response(
    order: Order, fmt: str, chain: list[x509.Certificate], switches: Switches
) -> Response:
    body = collect_body(fmt, chain, switches)
    ext = {"bin": "p7b", "base64": "p7b"}.get(fmt, "pem")
    return Response(
        body,
        200,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="cert_{order.id}.{ext}"'},
    )


_DATE_FORMATS = {
    "ISO": ("yyyy-MM-dd", "%Y-%m-%d"),
    "ISO_HMS": ("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", "%Y-%m-%dT%H:%M:%S.000Z"),
    "EU": ("dd.MM.yyyy", "%d.%m.%Y"),
    "EU_HMS": ("dd.MM.yyyy HH:mm:ss", "%d.%m.%Y %H:%M:%S"),
    "US": ("MM/dd/yyyy", "%m/%d/%Y"),
    "US_HMS": ("MM/dd/yyyy HH:mm:ss", "%m/%d/%Y %H:%M:%S"),
    "UK": ("dd/MM/yyyy", "%d/%m/%Y"),
    "UK_HMS": ("dd/MM/yyyy HH:mm:ss", "%d/%m/%Y %H:%M:%S"),
    "JP": ("yyyy/MM/dd", "%Y/%m/%d"),
    "JP_HMS": ("yyyy/MM/dd HH:mm:ss", "%Y/%m/%d %H:%M:%S"),
}
"""SCM 25.5 "Date formatting": a name or its pattern, either case-independent."""
_BY_PATTERN = {pattern.lower(): strf for pattern, strf in _DATE_FORMATS.values()}


def date_text(value: dt.datetime | None, date_format: str | None, switches: Switches) -> str | None:
    """``MM/dd/yyyy`` unless ``dateFormat`` names one of SCM's formats (scm.md §3.4)."""
    if value is None:
        return None
    value = value.astimezone(dt.UTC)
    wanted = None if switches.ignore_date_format else (date_format or "").strip()
    strf = "%m/%d/%Y"
    if wanted:
        named = _DATE_FORMATS.get(wanted.upper())
        strf = named[1] if named else _BY_PATTERN.get(wanted.lower(), strf)
    return value.strftime(strf)


def key_type_text(csr: x509.CertificateSigningRequest) -> str:
    key = csr.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA - {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC - {key.curve.key_size}"
    return "unknown"


def details_json(order: Order, date_format: str | None, switches: Switches) -> dict[str, object]:
    """``GET /api/ssl/v1/{sslId}`` (scm.md §3.4 field list)."""
    cert = order.certificate

    def d(value: dt.datetime | None) -> str | None:
        return date_text(value, date_format, switches)

    details: dict[str, object] = {
        "id": order.id,
        "sslId": order.id,
        "commonName": order.common_name,
        "orgId": order.org_id,
        "status": order.status,
        "backendCertId": str(90000000 + order.id) if cert else None,
        "vendor": "pancert sandbox",
        "certType": order.cert_type.as_json(),
        "validationType": {
            "DV": "Domain Validation (DV)",
            "OV": "Organization Validation (OV)",
            "EV": "Extended Validation (EV)",
        }[order.cert_type.level],
        "term": order.term,
        "requester": order.requester,
        "requestedVia": order.requested_via,
        "externalRequester": order.external_requester,
        "comments": order.comments,
        "requested": d(order.requested),
        "approved": d(order.approved),
        "issued": d(order.issued),
        "declined": d(order.declined),
        "expires": d(order.expires),
        "revoked": d(order.revoked),
        "renewedDate": d(order.renewed_date),
        "renewed": order.renewed,
        "serialNumber": serial_text(cert) if cert else None,
        "keyType": key_type_text(order.csr),
        "signatureAlg": "SHA256WITHECDSA" if cert else None,
        "subjectAlternativeNames": list(order.sans),
        "customFields": list(order.custom_fields),
        "autoRenewDetails": {"state": order.auto_renew_state, "daysBeforeExpiration": 30},
        "suspendNotifications": False,
    }
    if order.reason_code is not None:
        details["reasonCode"] = order.reason_code
    if cert is not None:
        details["certificateDetails"] = {
            "issuer": cert.issuer.rfc4514_string(),
            "subject": cert.subject.rfc4514_string(),
            "sha1Hash": cert.fingerprint(hashes.SHA1()).hex().upper(),  # noqa: S303 - SCM reports it
            "sha256Hash": cert.fingerprint(hashes.SHA256()).hex().upper(),
        }
    return {k: v for k, v in details.items() if v is not None}
