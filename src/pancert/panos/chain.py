"""The one PEM PAN-OS imports onto a CSR entry: the leaf, then its issuers, no root."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from pancert.panos import parsers


def order_chain(pems: bytes | str | Sequence[bytes | str]) -> bytes:
    """Leaf first, then each issuer in turn; self-signed roots dropped (panos.md §6 [KB-4289]).

    Certificates that do not link into the leaf's chain are dropped too: PAN-OS keeps the
    file as the entry's chain, and an unrelated certificate there would be served to clients.
    """
    blobs = [pems] if isinstance(pems, bytes | str) else list(pems)
    certs = [
        x509.load_pem_x509_certificate(p)
        for blob in blobs
        for p in parsers.split_pem_certificates(blob)
    ]
    if not certs:
        raise ValueError("no PEM certificate to import")
    issued = [c for c in certs if c.subject != c.issuer]
    leaves = [c for c in issued if not any(o.issuer == c.subject for o in issued if o is not c)]
    current = leaves[0] if leaves else certs[0]
    chain = [current]
    by_subject = {c.subject: c for c in issued}
    while current.issuer in by_subject and by_subject[current.issuer] not in chain:
        current = by_subject[current.issuer]
        chain.append(current)
    return b"".join(c.public_bytes(Encoding.PEM) for c in chain)
