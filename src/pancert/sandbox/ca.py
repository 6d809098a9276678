"""The sandbox's certificate authority: a root, an intermediate under it, and what they sign.

It issues the loopback TLS certificates of the sandbox servers and the certificates the
sandbox SCM hands out, so a pancert pointed at the sandbox verifies every chain for real
(leaf → intermediate → root with ``cryptography``) instead of switching verification off.
EC P-256 keys keep start-up fast; issued leaves carry whatever key the CSR carries.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_ROOT_FILE = "sandbox-root.pem"
_ROOT_KEY_FILE = "sandbox-root.key"
_INTERMEDIATE_FILE = "sandbox-intermediate.pem"
_INTERMEDIATE_KEY_FILE = "sandbox-intermediate.key"


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pancert sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: CertificateIssuerPrivateKeyTypes) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@dataclass(frozen=True)
class SandboxCA:
    root_key: ec.EllipticCurvePrivateKey
    root: x509.Certificate
    intermediate_key: ec.EllipticCurvePrivateKey
    intermediate: x509.Certificate

    @classmethod
    def create(cls, label: str = "pancert sandbox") -> SandboxCA:
        now = _now()
        root_key = ec.generate_private_key(ec.SECP256R1())
        root = (
            x509.CertificateBuilder()
            .subject_name(_name(f"{label} Root CA"))
            .issuer_name(_name(f"{label} Root CA"))
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False
            )
            .sign(root_key, hashes.SHA256())
        )
        intermediate_key = ec.generate_private_key(ec.SECP256R1())
        intermediate = (
            x509.CertificateBuilder()
            .subject_name(_name(f"{label} Issuing CA"))
            .issuer_name(root.subject)
            .public_key(intermediate_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3000))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(intermediate_key.public_key()),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                critical=False,
            )
            .sign(root_key, hashes.SHA256())
        )
        return cls(root_key, root, intermediate_key, intermediate)

    @classmethod
    def load_or_create(cls, folder: Path) -> SandboxCA:
        """Reuse the CA kept in ``folder`` so trust written there earlier stays valid."""
        paths = [
            folder / n
            for n in (_ROOT_KEY_FILE, _ROOT_FILE, _INTERMEDIATE_KEY_FILE, _INTERMEDIATE_FILE)
        ]
        if all(p.exists() for p in paths):
            root_key = serialization.load_pem_private_key(paths[0].read_bytes(), None)
            intermediate_key = serialization.load_pem_private_key(paths[2].read_bytes(), None)
            assert isinstance(root_key, ec.EllipticCurvePrivateKey)
            assert isinstance(intermediate_key, ec.EllipticCurvePrivateKey)
            return cls(
                root_key,
                x509.load_pem_x509_certificate(paths[1].read_bytes()),
                intermediate_key,
                x509.load_pem_x509_certificate(paths[3].read_bytes()),
            )
        ca = cls.create()
        folder.mkdir(parents=True, exist_ok=True)
        for path, data in zip(
            paths,
            (
                _key_pem(ca.root_key),
                _pem(ca.root),
                _key_pem(ca.intermediate_key),
                _pem(ca.intermediate),
            ),
            strict=True,
        ):
            path.write_bytes(data)
            if path.suffix == ".key":
                path.chmod(0o600)
        return ca

    def bundle_pem(self) -> bytes:
        """What a client must trust: the root alone, like a system trust store."""
        return _pem(self.root)

    def write_bundle(self, path: Path) -> Path:
        path.write_bytes(self.bundle_pem())
        return path

    def chain_pem(self, leaf: x509.Certificate) -> bytes:
        """Leaf, intermediate, root: the order SCM's ``x509`` collect format uses."""
        return _pem(leaf) + _pem(self.intermediate) + _pem(self.root)

    def cross_signed_by_legacy_root(self) -> tuple[x509.Certificate, x509.Certificate]:
        """(the root's key and name certified by an older root, that older root): the shape of
        Sectigo's public chains, where "USERTrust RSA" is cross-signed by "AAA Certificate
        Services" and collect returns both. Nobody trusts the legacy root; a client must
        still find the path to the real root it trusts. A new pair each call."""
        now = _now()
        legacy_key = ec.generate_private_key(ec.SECP256R1())
        legacy_name = _name("pancert sandbox Legacy Root CA")
        legacy = (
            x509.CertificateBuilder()
            .subject_name(legacy_name)
            .issuer_name(legacy_name)
            .public_key(legacy_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=2))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(legacy_key.public_key()), critical=False
            )
            .sign(legacy_key, hashes.SHA256())
        )
        cross = (
            x509.CertificateBuilder()
            .subject_name(self.root.subject)
            .issuer_name(legacy_name)
            .public_key(self.root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3000))
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.root_key.public_key()),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(legacy_key.public_key()),
                critical=False,
            )
            .sign(legacy_key, hashes.SHA256())
        )
        return cross, legacy

    def issue_tls_server(
        self,
        hostnames: tuple[str, ...] = ("localhost",),
        ips: tuple[str, ...] = ("127.0.0.1", "::1"),
    ) -> tuple[bytes, bytes]:
        """A TLS server certificate (chain PEM without root) and its key PEM."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = _now()
        names: list[x509.GeneralName] = [x509.DNSName(h) for h in hostnames]
        names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(hostnames[0]))
            .issuer_name(self.intermediate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=825))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    self.intermediate_key.public_key()
                ),
                critical=False,
            )
            .sign(self.intermediate_key, hashes.SHA256())
        )
        return _pem(cert) + _pem(self.intermediate), _key_pem(key)

    def sign_csr(
        self,
        csr: x509.CertificateSigningRequest,
        *,
        common_name: str,
        dns_names: list[str],
        not_before: dt.datetime,
        not_after: dt.datetime,
        subject: x509.Name | None = None,
    ) -> x509.Certificate:
        """Issue a TLS server leaf for the CSR's key, as a public CA would (serverAuth EKU)."""
        public_key = csr.public_key()
        return (
            x509.CertificateBuilder()
            .subject_name(
                subject or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
            )
            .issuer_name(self.intermediate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=True,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    self.intermediate_key.public_key()
                ),
                critical=False,
            )
            .sign(self.intermediate_key, hashes.SHA256())
        )


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
