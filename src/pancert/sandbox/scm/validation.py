"""Enroll-time checks shared by both sandbox APIs, with the Admin API's error codes (scm.md §4).

Order of checks follows what a client can fix first: missing fields, organization, type,
term, CSR syntax and signature, key, names, custom fields, then domain validation.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from starlette.requests import Request

from pancert.sandbox.scm.settings import CertType, ScmSandboxSettings
from pancert.sandbox.scm.store import ApiError, Order, covered

_DNS_LABEL = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


def bad(code: int, description: str, status: int = 400) -> ApiError:
    return ApiError(status, code, description)


def parse_csr(text: object) -> x509.CertificateSigningRequest:
    """PEM with or without header lines, ``\\n`` allowed (scm.md §3.3; enrollment.md §5)."""
    if not isinstance(text, str) or not text.strip():
        raise bad(-7, "Field 'csr' is required.")
    body = re.sub(r"-----(BEGIN|END) (NEW )?CERTIFICATE REQUEST-----", "", text)
    body = re.sub(r"\s+", "", body.replace("\\n", ""))
    try:
        der = base64.b64decode(body, validate=True)
        csr = x509.load_der_x509_csr(der)
    except (binascii.Error, ValueError) as exc:
        raise bad(-10, "CSR is invalid: it cannot be decoded.") from exc
    if not csr.is_signature_valid:
        raise bad(-9, "CSR signature is not valid.")
    return csr


def check_key(csr: x509.CertificateSigningRequest, cert_type: CertType) -> None:
    key = csr.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        allowed = cert_type.key_types.get("RSA", ())
        if not allowed:
            raise bad(-11, f"RSA keys are not allowed by certificate profile {cert_type.id}.")
        if str(key.key_size) not in allowed:
            raise bad(
                -13, f"RSA key size {key.key_size} not allowed (allowed: {', '.join(allowed)})."
            )
    elif isinstance(key, ec.EllipticCurvePublicKey):
        allowed = cert_type.key_types.get("EC", ())
        if not allowed:
            raise bad(-170, "ECC CSR is not allowed for this certificate profile.")
        curve = _CURVES.get(key.curve.name, key.curve.name)
        if curve not in allowed:
            raise bad(-141, f"EC curve {curve} not allowed (allowed: {', '.join(allowed)}).")
    else:
        raise bad(-11, "CSR key algorithm is not allowed.")


def csr_common_name(csr: x509.CertificateSigningRequest) -> str:
    names = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names:
        raise bad(-10, "CSR is invalid: it has no common name.")
    value = names[0].value
    return value if isinstance(value, str) else value.decode()


def csr_sans(csr: x509.CertificateSigningRequest) -> list[str]:
    try:
        ext = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return [n.lower() for n in ext.value.get_values_for_type(x509.DNSName)]


def order_names(common_name: str, extra: list[str], twin: bool) -> list[str]:
    """CN first, then the requested SANs, deduplicated; each must be a DNS name."""
    names: list[str] = []
    for name in [common_name.lower(), *(n.strip().lower() for n in extra)]:
        if name and name not in names:
            names.append(name)
    for name in names:
        if not _DNS_LABEL.match(name):
            raise bad(-7, f"Invalid domain name in subject alternative names: {name}.")
    if twin and len(names) == 1 and not names[0].startswith("*."):
        apex = names[0].removeprefix("www.")
        names.append(apex if names[0].startswith("www.") else "www." + apex)
    return names


def check_custom_fields(given: dict[str, str], settings: ScmSandboxSettings) -> None:
    missing = [f.name for f in settings.custom_fields if f.mandatory and not given.get(f.name)]
    if missing:
        raise bad(-62, f"Mandatory custom field(s) missing: {', '.join(missing)}.")
    unknown = [n for n in given if n not in {f.name for f in settings.custom_fields}]
    if unknown:
        raise bad(-62, f"Unknown custom field(s): {', '.join(unknown)}.")


DCV_MODES = ("CNAME", "EMAIL", "HTTP", "HTTPS", "TXT", "AUTO")
"""25.5 doc: CNAME, EMAIL, HTTP, HTTPS, TXT; spec 25.9.2 adds AUTO."""


def check_dcv_mode(body: dict[str, Any], prevalidation: bool) -> None:
    """A tenant without DCV pre-validation needs ``dcvMode`` ("Required in case of disabled
    DCV pre-validation", 25.5 enroll table) and ``dcvEmail`` for EMAIL."""
    mode = body.get("dcvMode")
    if mode in (None, ""):
        if not prevalidation:
            raise bad(-7, "dcvMode is required but missing.")
        return
    if mode not in DCV_MODES:
        raise bad(-1601, f"Field 'dcvMode' has invalid value: {mode}.")
    if mode == "EMAIL" and not body.get("dcvEmail"):
        raise bad(-7, "dcvEmail is required but missing.")


def check_domains(names: list[str], validated: list[str], prevalidation: bool) -> bool:
    """True when the order must wait for DCV; raises when it cannot be accepted at all: with
    pre-validation, every name must be in a validated domain, whatever ``dcvMode`` says."""
    missing = [n for n in names if not covered(n, tuple(validated))]
    if not missing:
        return False
    if not prevalidation:
        return True
    listed = ", ".join(missing)
    raise bad(-1137, f"The domain(s) {listed} have not been validated under the DCV procedure.")


def find_type(settings: ScmSandboxSettings, type_id: object) -> CertType:
    if type_id is None:
        raise bad(-7, "Field 'certType' is required.")
    try:
        wanted = int(str(type_id))
    except ValueError as exc:
        raise bad(-39, f"Invalid certificate profile id: {type_id}.") from exc
    for cert_type in settings.types:
        if cert_type.id == wanted:
            return cert_type
    raise bad(-39, f"Invalid certificate profile id: {type_id}.")


def check_term(cert_type: CertType, term: object) -> int:
    try:
        days = int(str(term))
    except ValueError as exc:
        raise bad(-36, f"Invalid term {term} for certificate profile {cert_type.id}.") from exc
    if days not in cert_type.terms:
        allowed = ", ".join(str(t) for t in cert_type.terms)
        raise bad(-36, f"Invalid term {days} for certificate profile (allowed: {allowed}).")
    return days


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; an empty body is ``{}``; anything else is SCM's -1002."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise unparsable() from exc
    if not isinstance(data, dict):
        raise unparsable()
    return data


def unparsable() -> ApiError:
    """-1002: what SCM answers a body it cannot read, including a field of the wrong JSON
    type (python-cert_manager issues #89 and #220)."""
    return bad(-1002, "Cannot parse message body")


def text_field(body: dict[str, Any], name: str, limit: int) -> str:
    value = body.get(name) or ""
    if not isinstance(value, str) or len(value) > limit:
        raise bad(-7, f"Field '{name}' must be text of at most {limit} characters.")
    return value


def new_order(
    settings: ScmSandboxSettings,
    validated: list[str],
    *,
    org_id: int,
    cert_type: CertType,
    term: int,
    csr_text: object,
    extra_names: list[str] | None,
    comments: str,
    external_requester: str,
    custom_fields: dict[str, str],
    dcv_mode: object,
    dcv_email: object = None,
    requested_via: str,
    requester: str,
    now: dt.datetime,
) -> Order:
    """Every enroll-time check, then the (unstored) order; shared by both APIs.
    ``extra_names`` None takes the SANs from the CSR."""
    switches = settings.switches
    check_dcv_mode({"dcvMode": dcv_mode, "dcvEmail": dcv_email}, switches.dcv_prevalidation)
    if switches.require_external_requester and not external_requester.strip():
        raise bad(-139, "External Requester is required.")
    if cert_type.level != "DV" and not settings.org_validated:
        raise bad(-843, f"Organization validation does not permit {cert_type.level} certificates.")
    csr = parse_csr(csr_text)
    check_key(csr, cert_type)
    common_name = csr_common_name(csr)
    extra = csr_sans(csr) if extra_names is None else extra_names
    names = order_names(common_name, extra, settings.switches.add_www_twin)
    check_custom_fields(custom_fields, settings)
    dcv_pending = check_domains(names, validated, settings.switches.dcv_prevalidation)
    return Order(
        org_id=org_id,
        cert_type=cert_type,
        term=term,
        csr=csr,
        common_name=common_name.lower(),
        sans=names,
        comments=comments,
        external_requester=external_requester,
        custom_fields=[{"name": k, "value": v} for k, v in custom_fields.items()],
        requested_via=requested_via,
        requester=requester,
        requested=now,
        dcv_pending=dcv_pending,
    )
