"""The configuration schema a sandbox firewall enforces on ``set``/``edit``, for the subtrees
pancert writes: certificate entries, SSL/TLS service profiles, certificate profiles and SSL
inbound inspection rules. A real device validates every element against its schema and
refuses unknown ones (code 12, "invalid object", in the error-code table of
https://docs.paloaltonetworks.com/ngfw/api/getting-started/pan-os-xml-api-error-codes);
elsewhere the sandbox stays permissive.

Child names come from pan-os-codegen ``specs/device/certificate.yaml``,
``specs/objects/profiles/ssl-tls-service.yaml`` and pan-os-python ``panos/device.py``
(``CertificateProfile``, ``CertificateProfileCaCertificate``); see panos.md §3, §8.
"""

from __future__ import annotations

import re

from lxml import etree

_CERTIFICATE_ENTRY = frozenset(
    {
        "common-name",
        "algorithm",
        "ca",
        "csr",
        "private-key",
        "private-key-on-hsm",
        "public-key",
        "not-valid-before",
        "not-valid-after",
        "expiry-epoch",
        "subject",
        "subject-hash",
        "issuer",
        "issuer-hash",
        "status",
        "revoke-date-epoch",
        "cloud-resource-id",
        "common-name-int",
        "subject-int",
    }
)
_ALGORITHMS = ("rsa", "dhe", "ecdhe", "3des", "rc4", "aes-128-cbc", "aes-256-cbc")
_PROTOCOL = frozenset(
    {
        "min-version",
        "max-version",
        *(f"keyxchg-algo-{a}" for a in ("rsa", "dhe", "ecdhe")),
        *(
            f"enc-algo-{a}"
            for a in ("3des", "rc4", "aes-128-cbc", "aes-256-cbc", "aes-128-gcm", "aes-256-gcm")
        ),
        *(f"auth-algo-{a}" for a in ("sha1", "sha256", "sha384")),
    }
)
_CERTIFICATE_PROFILE = frozenset(
    {
        "username-field",
        "domain",
        "CA",
        "use-crl",
        "use-ocsp",
        "crl-receive-timeout",
        "ocsp-receive-timeout",
        "cert-status-timeout",
        "block-unknown-cert",
        "block-timeout-cert",
        "block-unauthenticated-cert",
        "block-expired-cert",
        "ocsp-exclude-nonce",
    }
)

RULES: dict[tuple[str, str], frozenset[str]] = {
    ("certificate", "entry"): _CERTIFICATE_ENTRY,
    ("ssl-tls-service-profile", "entry"): frozenset({"certificate", "protocol-settings"}),
    ("entry", "protocol-settings"): _PROTOCOL,
    ("certificate-profile", "entry"): _CERTIFICATE_PROFILE,
    ("CA", "entry"): frozenset({"default-ocsp-url", "ocsp-verify-certificate", "template-name"}),
    ("type", "ssl-inbound-inspection"): frozenset({"certificates"}),
    ("ssl-inbound-inspection", "certificates"): frozenset({"member"}),
}
_TAG = re.compile(r"^([A-Za-z0-9_\-]+)")


class SchemaError(ValueError):
    """An element the device's schema has no place for: (owner name, path, tag)."""

    def __init__(self, owner: str, tag: str) -> None:
        self.owner = owner
        self.tag = tag
        super().__init__(f"{owner} -> {tag} unexpected here")


def tags_of(xpath: str) -> list[str]:
    tags = []
    for step in re.split(r"/(?![^\[]*\])", xpath):
        match = _TAG.match(step)
        if match:
            tags.append(match.group(1))
    return tags


def check(xpath: str, action: str, element: etree._Element) -> None:
    """Refuse children the schema does not allow. ``element`` wraps what was sent: for
    ``set`` its children go under the xpath's node, for ``edit`` they replace it."""
    chain = tags_of(xpath)
    names = re.findall(r"@name='([^']*)'", xpath)
    owner = names[-1] if names else (chain[-1] if chain else "config")
    if action == "edit":
        chain = chain[:-1]
    allowed = RULES.get((chain[-2], chain[-1])) if len(chain) >= 2 else None
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if allowed is not None and child.tag not in allowed:
            raise SchemaError(owner, child.tag)
        _walk(chain, child, owner)


def _walk(chain: list[str], node: etree._Element, owner: str | None) -> None:
    if not isinstance(node.tag, str):
        return
    here = [*chain, node.tag]
    name = node.get("name") or owner or node.tag
    allowed = RULES.get((here[-2], here[-1])) if len(here) >= 2 else None
    for child in node:
        if not isinstance(child.tag, str):
            continue
        if allowed is not None and child.tag not in allowed:
            raise SchemaError(name, child.tag)
        _walk(here, child, name)


def partial_xpath(xpath: str, element: etree._Element) -> bool:
    """A ``set`` on a container whose element wraps named entries (a "partial XPath")."""
    last = re.split(r"/(?![^\[]*\])", xpath.rstrip("/"))[-1]
    if "@name=" in last:
        return False
    return any(child.tag == "entry" and child.get("name") for child in element)
