"""Checking an issued chain the way a TLS client would."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import PolicyBuilder, Store

from pancert.sandbox.ca import SandboxCA
from pancert.scm import IssuedChain


def verify_chain(
    issued: IssuedChain, csr: x509.CertificateSigningRequest, ca: SandboxCA, names: tuple[str, ...]
) -> x509.Certificate:
    """Leaf → intermediate → root with cryptography's RFC 5280 verifier; leaf key = CSR key."""
    certs = [x509.load_pem_x509_certificate(p.encode()) for p in issued.certificates_pem]
    leaf = certs[0]
    leaf.verify_directly_issued_by(ca.intermediate)
    ca.intermediate.verify_directly_issued_by(ca.root)
    verifier = (
        PolicyBuilder()
        .store(Store([ca.root]))
        .time(leaf.not_valid_before_utc + dt.timedelta(minutes=1))
        .build_server_verifier(x509.DNSName(names[0]))
    )
    verifier.verify(leaf, [c for c in certs[1:] if c != ca.root])
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    assert leaf.public_key().public_bytes(*spki) == csr.public_key().public_bytes(*spki)
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(names) <= set(san.get_values_for_type(x509.DNSName))
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in eku
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = ca.intermediate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    leaf.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    return leaf
