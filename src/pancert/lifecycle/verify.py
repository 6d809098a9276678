"""Verify what SCM issued before it can touch a firewall.

A chain passes only when all of this holds, checked before anything touches the firewall:
the leaf carries the CSR's public key; it builds a path leaf → intermediates → an anchor in the
trust store (``sectigo_ca_bundle`` when configured, else the system store) under RFC 5280 rules
as ``cryptography`` implements them (signatures, validity at ``now``, CA flags, serverAuth);
its CN is the ordered CN; its SANs hold every ordered name and add at most a ``www.``/apex twin.
Collect formats differ in block order (root-first, reversed, leaf-only), so the order in which
SCM sent the blocks is never trusted: the path is rebuilt from issuer links.
"""

from __future__ import annotations

import datetime as dt
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from pancert.errors import PancertError
from pancert.lifecycle.plan import sans_difference


class ChainVerificationError(PancertError):
    """The issued certificate or its chain must not be installed."""


@dataclass(frozen=True)
class VerifiedChain:
    leaf: x509.Certificate
    intermediates: tuple[x509.Certificate, ...]
    """Leaf's issuer first, up to (not including) the trust anchor."""
    anchor: x509.Certificate

    def import_pem(self) -> str:
        """One PEM for PAN-OS: the leaf, then intermediates ordered by issuer, no root."""
        blocks = [
            c.public_bytes(serialization.Encoding.PEM).decode()
            for c in (self.leaf, *self.intermediates)
        ]
        return "".join(blocks)

    @property
    def serial_hex(self) -> str:
        return f"{self.leaf.serial_number:x}"

    @property
    def not_after(self) -> dt.datetime:
        return self.leaf.not_valid_after_utc


def load_pem_certificates(pem_blocks: tuple[str, ...] | list[str]) -> list[x509.Certificate]:
    certificates: list[x509.Certificate] = []
    for block in pem_blocks:
        try:
            certificates.extend(x509.load_pem_x509_certificates(block.encode()))
        except ValueError as exc:
            raise ChainVerificationError(
                f"SCM returned data that is not a PEM certificate: {exc}"
            ) from exc
    return certificates


def trust_anchors(ca_bundle: Path | None) -> list[x509.Certificate]:
    """``sectigo_ca_bundle`` when given (a private CA), else the system trust store."""
    if ca_bundle is not None:
        try:
            return x509.load_pem_x509_certificates(ca_bundle.read_bytes())
        except (OSError, ValueError) as exc:
            raise ChainVerificationError(f"{ca_bundle}: cannot read the CA bundle: {exc}") from exc
    context = ssl.create_default_context()
    anchors = [
        x509.load_der_x509_certificate(der) for der in context.get_ca_certs(binary_form=True)
    ]
    paths = ssl.get_default_verify_paths()
    for name in (paths.cafile, paths.openssl_cafile):
        if name and Path(name).is_file():
            anchors.extend(x509.load_pem_x509_certificates(Path(name).read_bytes()))
            break
    return anchors


def _dns_names(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(san.get_values_for_type(x509.DNSName))


def _common_name(cert: x509.Certificate) -> str | None:
    values = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else None


def verify_issued(
    pem_blocks: tuple[str, ...] | list[str],
    *,
    csr_pem: str,
    common_name: str,
    dns_names: tuple[str, ...],
    anchors: list[x509.Certificate],
    now: dt.datetime,
) -> VerifiedChain:
    certificates = load_pem_certificates(pem_blocks)
    if not certificates:
        raise ChainVerificationError("SCM returned no certificate")
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    csr_key = csr.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    leaves = [
        c
        for c in certificates
        if c.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        == csr_key
    ]
    if not leaves:
        raise ChainVerificationError(
            "the issued certificate's public key does not match the CSR generated on the "
            "firewall; it was not imported"
        )
    leaf = leaves[0]
    cn = _common_name(leaf)
    if (cn or "").lower() != common_name.lower():
        raise ChainVerificationError(
            f"the issued certificate's CN is {cn!r}, ordered {common_name!r}; it was not imported"
        )
    missing, extra = sans_difference(dns_names, _dns_names(leaf))
    if missing or extra:
        raise ChainVerificationError(
            "the issued certificate's names differ from the order"
            + (f"; missing: {', '.join(sorted(missing))}" if missing else "")
            + (f"; not ordered: {', '.join(sorted(extra))}" if extra else "")
            + "; it was not imported"
        )
    if not anchors:
        raise ChainVerificationError(
            "no trust anchors: set sectigo_ca_bundle or install the system CA certificates"
        )
    others = [c for c in certificates if c is not leaf and c not in anchors]
    try:
        verifier = (
            PolicyBuilder()
            .store(Store(anchors))
            .time(now)
            .build_server_verifier(x509.DNSName(common_name))
        )
        path = verifier.verify(leaf, others)
    except VerificationError as exc:
        raise ChainVerificationError(
            f"the issued chain does not verify to a trusted root: {exc}; it was not imported"
        ) from exc
    return VerifiedChain(leaf=path[0], intermediates=tuple(path[1:-1]), anchor=path[-1])
