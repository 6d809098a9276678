"""Reading what collect returns, whatever the format (scm.md §3.5; enrollment.md §4).

PEM blocks in any order, PKCS#7 as PEM or DER, or a lone DER certificate. The leaf (the one
certificate that is not a CA) is put first; the rest keep the order SCM sent, since that order
is not trusted anyway (callers order by issuer before installing).
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from pancert.scm.errors import ScmProtocolError


def parse_certificates(body: bytes) -> list[x509.Certificate]:
    text = body.lstrip()
    try:
        if text.startswith(b"-----BEGIN PKCS7-----"):
            return list(pkcs7.load_pem_pkcs7_certificates(text))
        if text.startswith(b"-----BEGIN"):
            return list(x509.load_pem_x509_certificates(text))
        try:
            return list(pkcs7.load_der_pkcs7_certificates(body))
        except ValueError:
            return [x509.load_der_x509_certificate(body)]
    except ValueError as exc:
        raise ScmProtocolError("the collected certificate is in no format pancert reads") from exc


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def leaf_first(certs: list[x509.Certificate]) -> tuple[str, ...]:
    """PEM texts, leaf first, duplicates (same certificate from two formats) dropped."""
    seen: set[bytes] = set()
    unique: list[x509.Certificate] = []
    for cert in certs:
        fingerprint = cert.fingerprint(hashes.SHA256())
        if fingerprint not in seen:
            seen.add(fingerprint)
            unique.append(cert)
    leaves = [c for c in unique if not _is_ca(c)]
    if len(leaves) != 1:
        raise ScmProtocolError(f"expected one end-entity certificate, found {len(leaves)}")
    ordered = leaves + [c for c in unique if c is not leaves[0]]
    return tuple(c.public_bytes(serialization.Encoding.PEM).decode() for c in ordered)
