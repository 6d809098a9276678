"""Chain verification with real certificates from the sandbox CA."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pancert.lifecycle.verify import ChainVerificationError, verify_issued
from pancert.sandbox.ca import SandboxCA

NOW = dt.datetime.now(dt.UTC)
NAMES = ("www.example.com", "api.example.com")


def _csr(names: tuple[str, ...] = NAMES) -> tuple[x509.CertificateSigningRequest, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    return csr, csr.public_bytes(serialization.Encoding.PEM).decode()


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _issue(
    ca: SandboxCA, csr: x509.CertificateSigningRequest, names: tuple[str, ...] = NAMES
) -> x509.Certificate:
    return ca.sign_csr(
        csr,
        common_name=names[0],
        dns_names=list(names),
        not_before=NOW - dt.timedelta(hours=1),
        not_after=NOW + dt.timedelta(days=90),
    )


def test_a_root_first_chain_is_reordered_leaf_first(sandbox_ca: SandboxCA) -> None:
    csr, csr_pem = _csr()
    leaf = _issue(sandbox_ca, csr)
    blocks = [_pem(sandbox_ca.root), _pem(sandbox_ca.intermediate), _pem(leaf)]
    chain = verify_issued(
        blocks,
        csr_pem=csr_pem,
        common_name=NAMES[0],
        dns_names=NAMES,
        anchors=[sandbox_ca.root],
        now=NOW,
    )
    assert chain.leaf == leaf
    assert chain.intermediates == (sandbox_ca.intermediate,)
    pem = chain.import_pem()
    assert pem.count("BEGIN CERTIFICATE") == 2
    assert pem.startswith(_pem(leaf))


def test_a_leaf_with_another_key_is_refused(sandbox_ca: SandboxCA) -> None:
    csr, _ = _csr()
    _, other_csr_pem = _csr()
    blocks = [_pem(_issue(sandbox_ca, csr)), _pem(sandbox_ca.intermediate)]
    with pytest.raises(ChainVerificationError, match="does not match the CSR"):
        verify_issued(
            blocks,
            csr_pem=other_csr_pem,
            common_name=NAMES[0],
            dns_names=NAMES,
            anchors=[sandbox_ca.root],
            now=NOW,
        )


def test_a_chain_to_an_untrusted_root_is_refused(sandbox_ca: SandboxCA) -> None:
    csr, csr_pem = _csr()
    blocks = [_pem(_issue(sandbox_ca, csr)), _pem(sandbox_ca.intermediate)]
    with pytest.raises(ChainVerificationError, match="does not verify"):
        verify_issued(
            blocks,
            csr_pem=csr_pem,
            common_name=NAMES[0],
            dns_names=NAMES,
            anchors=[SandboxCA.create("other").root],
            now=NOW,
        )


def test_missing_intermediate_is_refused(sandbox_ca: SandboxCA) -> None:
    csr, csr_pem = _csr()
    with pytest.raises(ChainVerificationError, match="does not verify"):
        verify_issued(
            [_pem(_issue(sandbox_ca, csr))],
            csr_pem=csr_pem,
            common_name=NAMES[0],
            dns_names=NAMES,
            anchors=[sandbox_ca.root],
            now=NOW,
        )


@pytest.mark.parametrize(
    ("issued", "message"),
    [
        (("www.example.com",), "missing: api.example.com"),
        (
            ("www.example.com", "api.example.com", "evil.example.org"),
            "not ordered: evil.example.org",
        ),
        (("other.example.com", "www.example.com", "api.example.com"), "CN is 'other.example.com'"),
    ],
)
def test_names_must_match_the_order(
    sandbox_ca: SandboxCA, issued: tuple[str, ...], message: str
) -> None:
    csr, csr_pem = _csr()
    blocks = [_pem(_issue(sandbox_ca, csr, issued)), _pem(sandbox_ca.intermediate)]
    with pytest.raises(ChainVerificationError, match=message):
        verify_issued(
            blocks,
            csr_pem=csr_pem,
            common_name=NAMES[0],
            dns_names=NAMES,
            anchors=[sandbox_ca.root],
            now=NOW,
        )


def test_a_www_twin_added_by_the_ca_is_accepted(sandbox_ca: SandboxCA) -> None:
    names = ("example.com",)
    csr, csr_pem = _csr(names)
    leaf = _issue(sandbox_ca, csr, ("example.com", "www.example.com"))
    chain = verify_issued(
        [_pem(leaf), _pem(sandbox_ca.intermediate)],
        csr_pem=csr_pem,
        common_name="example.com",
        dns_names=names,
        anchors=[sandbox_ca.root],
        now=NOW,
    )
    assert chain.leaf == leaf
