"""Small builders shared by the PAN-OS tests: a CSR request, signing with the sandbox CA."""

from __future__ import annotations

import datetime as dt

from cryptography import x509

from pancert.panos.models import CsrRequest, KeyAlgorithm
from pancert.sandbox.ca import SandboxCA


def csr_request(name: str = "web-1", **overrides: object) -> CsrRequest:
    values: dict[str, object] = {
        "name": name,
        "common_name": "www.example.test",
        "algorithm": KeyAlgorithm.EC,
        "key_size": 256,
        "dns_names": ("www.example.test", "example.test"),
    }
    values.update(overrides)
    return CsrRequest(**values)  # type: ignore[arg-type]


def sign(ca: SandboxCA, csr_pem: str, days: int = 90) -> bytes:
    """The chain a CA hands back: leaf, intermediate, root."""
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    names = [
        str(n)
        for n in csr.extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        ).value.get_values_for_type(x509.DNSName)
    ]
    leaf = ca.sign_csr(
        csr,
        common_name=names[0],
        dns_names=names,
        not_before=now - dt.timedelta(minutes=5),
        not_after=now + dt.timedelta(days=days),
    )
    return ca.chain_pem(leaf)
