"""Certificate entries of the sandbox firewall: on-box key + CSR, import onto the CSR entry,
CA entries, and the entry fields PAN-OS shows (panos.md §3, §4, §6).

Private keys stay in :class:`KeyStore` (the firewall's secret storage); the configuration
holds only an opaque ``private-key`` marker, like the encrypted blob a real device keeps.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import re
import secrets
import threading
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from lxml import etree

from pancert.sandbox.firewall.settings import PrivateKey

_SUBJECT_FIELDS = (
    ("country-code", NameOID.COUNTRY_NAME),
    ("state", NameOID.STATE_OR_PROVINCE_NAME),
    ("locality", NameOID.LOCALITY_NAME),
    ("organization", NameOID.ORGANIZATION_NAME),
)
_DIGESTS: dict[str, hashes.SHA256 | hashes.SHA384 | hashes.SHA512] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


class CertificateOpError(Exception):
    """A refused certificate operation: ``code`` and message lines for the envelope."""

    def __init__(self, code: int | None, *lines: str) -> None:
        self.code = code
        self.lines = lines
        super().__init__(" | ".join(lines))


class KeyStore:
    """Private keys by (location, entry name): what a key export would leak, kept apart."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[tuple[str, str], PrivateKey] = {}

    def put(self, location: str, name: str, key: PrivateKey) -> None:
        with self._lock:
            self._keys[(location, name)] = key

    def get(self, location: str, name: str) -> PrivateKey | None:
        with self._lock:
            return self._keys.get((location, name))

    def absorb(self, other: KeyStore) -> None:
        """Take every key of ``other`` (HA config sync carries keys with their entries)."""
        with other._lock:
            keys = dict(other._keys)
        with self._lock:
            self._keys.update(keys)

    def drop(self, location: str, name: str) -> None:
        with self._lock:
            self._keys.pop((location, name), None)


def check_name(
    name: str, max_length: int, field: str = "certificate-name", section: str = "certificate"
) -> None:
    """Name rules with the wording of the samples (code 17, panos.md §6 limits)."""
    where = f" upload -> {section} -> {field}"
    if len(name) > max_length:
        raise CertificateOpError(
            17,
            f"{where} can be at most {max_length} characters, but "
            f"current length: {len(name)} value: {name[:40]}...",
            f"{where} is invalid",
        )
    if not name or name[0] in "*_" or any(c in name for c in "'\"<>&/"):
        raise CertificateOpError(17, f"{where} '{name}' is invalid", f"{where} is invalid")


def _text(spec: etree._Element, path: str) -> str | None:
    value = spec.findtext(path)
    return value.strip() if value and value.strip() else None


def _members(spec: etree._Element, tag: str) -> list[str]:
    return [(m.text or "").strip() for m in spec.iterfind(f"{tag}/member") if m.text]


def key_spec(spec: etree._Element) -> tuple[str, int]:
    """(``RSA``|``EC``, bits) from ``<algorithm>``; refusals carry PAN-OS-style codes."""
    rsa_bits = _text(spec, "algorithm/RSA/rsa-nbits")
    ec_bits = _text(spec, "algorithm/ECDSA/ecdsa-nbits")
    if rsa_bits is not None:
        if rsa_bits not in ("1024", "2048", "3072", "4096"):
            raise CertificateOpError(17, f"rsa-nbits {rsa_bits} is invalid")
        return "RSA", int(rsa_bits)
    if ec_bits is not None:
        if ec_bits not in ("256", "384", "521"):
            raise CertificateOpError(17, f"ecdsa-nbits {ec_bits} is invalid")
        return "EC", int(ec_bits)
    raise CertificateOpError(17, "generate -> algorithm is missing")


def build_csr(spec: etree._Element, key: PrivateKey) -> x509.CertificateSigningRequest:
    common_name = _text(spec, "name")
    if common_name is None:
        raise CertificateOpError(17, "generate -> name is missing")
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    for tag, oid in _SUBJECT_FIELDS:
        value = _text(spec, tag)
        if value:
            attributes.insert(0, x509.NameAttribute(oid, value))
    for unit in _members(spec, "organization-unit"):
        attributes.insert(-1, x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    email = _text(spec, "email")
    if email:
        attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    names: list[x509.GeneralName] = [x509.DNSName(h) for h in _members(spec, "hostname")]
    try:
        names += [x509.IPAddress(ipaddress.ip_address(i)) for i in _members(spec, "ip")]
    except ValueError as exc:
        raise CertificateOpError(17, f"generate -> ip is invalid ({exc})") from exc
    names += [x509.RFC822Name(e) for e in _members(spec, "alt-email")]
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attributes))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    digest = _DIGESTS.get(_text(spec, "digest") or "sha256", hashes.SHA256())
    return builder.sign(key, digest)


def _opaque_key_marker() -> str:
    return "-AQ==" + secrets.token_urlsafe(48)


def _x(tag: str, text: str) -> etree._Element:
    element = etree.Element(tag)
    element.text = text
    return element


def pending_entry(name: str, common_name: str, algorithm: str, csr_pem: str) -> etree._Element:
    entry = etree.Element("entry", name=name)
    for child in (
        _x("common-name", common_name),
        _x("algorithm", algorithm),
        _x("ca", "no"),
        _x("csr", csr_pem),
        _x("private-key", _opaque_key_marker()),
    ):
        entry.append(child)
    return entry


def _date(value: dt.datetime) -> str:
    day = f"{value.day:>2}"
    return value.strftime(f"%b {day} %H:%M:%S %Y GMT")


def _oneline(name: x509.Name) -> str:
    parts = []
    for rdn in name.rdns:
        for attribute in rdn:
            label = attribute.rfc4514_attribute_name
            value = str(attribute.value).replace("/", "\\/")
            parts.append(f"{label}={value}")
    return "/" + "/".join(parts)


def _name_hash(name: x509.Name) -> str:
    return hashlib.sha1(name.public_bytes(), usedforsecurity=False).hexdigest()[:8]


def signed_entry(
    name: str,
    chain: list[x509.Certificate],
    chain_pem: str,
    *,
    with_key: bool,
    key_marker: str | None = None,
) -> etree._Element:
    """An entry after import: certificate fields, the PEM (``public-key``), no ``csr``."""
    leaf = chain[0]
    constraints = _basic_constraints(leaf)
    common = leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    algorithm = "RSA" if isinstance(leaf.public_key(), rsa.RSAPublicKey) else "EC"
    entry = etree.Element("entry", name=name)
    children = [
        _x("subject-hash", _name_hash(leaf.subject)),
        _x("issuer-hash", _name_hash(leaf.issuer)),
        _x("not-valid-before", _date(leaf.not_valid_before_utc)),
        _x("issuer", _oneline(leaf.issuer)),
        _x("not-valid-after", _date(leaf.not_valid_after_utc)),
        _x("common-name", str(common[0].value) if common else ""),
        _x("expiry-epoch", str(int(leaf.not_valid_after_utc.timestamp()))),
        _x("ca", "yes" if constraints else "no"),
        _x("subject", _oneline(leaf.subject)),
        _x("public-key", chain_pem),
        _x("algorithm", algorithm),
    ]
    if with_key:
        children.append(_x("private-key", key_marker or _opaque_key_marker()))
    for child in children:
        entry.append(child)
    return entry


def _basic_constraints(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


@dataclass
class Material:
    """What an uploaded file holds: certificates (leaf first, as sent) and maybe a key."""

    chain: list[x509.Certificate]
    key: PrivateKey | None


def _load_key(block: bytes, passphrase: str | None, name: str) -> PrivateKey:
    password = passphrase.encode() if passphrase else None
    try:
        key = serialization.load_pem_private_key(block, password)
    except TypeError:
        # a passphrase sent with an unencrypted key: tools send a dummy one (panos.md §6)
        key = serialization.load_pem_private_key(block, None)
    except ValueError as exc:
        raise CertificateOpError(
            None, f"Import of {name} failed. Failed to decrypt the private key"
        ) from exc
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise CertificateOpError(None, f"Import of {name} failed. Unsupported key type")
    return key


def read_material(data: bytes, fmt: str, passphrase: str | None, name: str) -> Material:
    """Certificates and key of an upload in ``format`` ``pem`` or ``pkcs12``."""
    failed = CertificateOpError(None, f"Import of {name} failed. Failed to extract certificate")
    if fmt == "pkcs12":
        try:
            key, leaf, extra = pkcs12.load_key_and_certificates(
                data, passphrase.encode() if passphrase else None
            )
        except ValueError as exc:
            raise failed from exc
        if key is not None and not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise failed
        return Material([c for c in (leaf, *extra) if c is not None], key)
    if fmt != "pem":
        raise CertificateOpError(17, f" import -> format '{fmt}' is invalid")
    if b"-----BEGIN" not in data:
        raise failed
    chain = load_chain(data) if b"-----BEGIN CERTIFICATE-----" in data else []
    blocks = [m.group(0) for m in _KEY_BLOCK.finditer(data)]
    return Material(chain, _load_key(blocks[0], passphrase, name) if blocks else None)


_KEY_BLOCK = re.compile(
    rb"-----BEGIN ([A-Z ]*)PRIVATE KEY-----.+?-----END \1PRIVATE KEY-----", re.S
)


def load_chain(data: bytes) -> list[x509.Certificate]:
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise CertificateOpError(None, "Import failed. Failed to extract certificate") from exc
    return certs


def public_der(key_or_cert: PrivateKey | x509.Certificate) -> bytes:
    public = key_or_cert.public_key()
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def csr_pem(csr: x509.CertificateSigningRequest) -> str:
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def is_ca(cert: x509.Certificate) -> bool:
    return _basic_constraints(cert)


def _spaced(name: x509.Name) -> str:
    """OpenSSL's default one-line form, ``C = US, O = x, CN = y`` (as op listings print)."""
    parts = [
        f"{attribute.rfc4514_attribute_name} = {attribute.value!s}"
        for rdn in name.rdns
        for attribute in rdn
    ]
    return ", ".join(parts)


def listing_entry(entry: etree._Element) -> etree._Element:
    """A configured certificate entry as ``request certificate show`` lists it."""
    leaf = x509.load_pem_x509_certificates((entry.findtext("public-key") or "").encode())[0]
    common = leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    listed = etree.Element("entry", name=str(entry.get("name")))
    for tag, value in (
        ("common-name", str(common[0].value) if common else ""),
        ("subject", _spaced(leaf.subject)),
        ("issuer", _spaced(leaf.issuer)),
        ("subject-hash", _name_hash(leaf.subject)),
        ("issuer-hash", _name_hash(leaf.issuer)),
        ("ca", "yes" if _basic_constraints(leaf) else "no"),
        ("not-valid-before", _date(leaf.not_valid_before_utc)),
        ("not-valid-after", _date(leaf.not_valid_after_utc)),
        ("expiry", str(int(leaf.not_valid_after_utc.timestamp()))),
    ):
        listed.append(_x(tag, value))
    return listed
