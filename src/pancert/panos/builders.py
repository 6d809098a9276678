"""One small XML builder per PAN-OS operation that carries a command document (STYLE 14).

Values go through the element builder, so they are escaped; names are checked before they
can reach an XPath or a command.
"""

from __future__ import annotations

from lxml import etree

from pancert.panos import xpaths
from pancert.panos.models import CsrRequest, KeyAlgorithm
from pancert.panos.xml import E


def generate_csr(request: CsrRequest) -> etree._Element:
    """``request certificate generate … signed-by external`` (panos.md §4)."""
    algorithm = (
        E("RSA", E("rsa-nbits", str(request.key_size)))
        if request.algorithm is KeyAlgorithm.RSA
        else E("ECDSA", E("ecdsa-nbits", str(request.key_size)))
    )
    children: list[etree._Element] = [
        E("certificate-name", xpaths.check_name(request.name)),
        E("name", request.common_name),
        E("algorithm", algorithm),
        E("digest", request.digest),
        E("signed-by", "external"),
        E("ca", "no"),
    ]
    for tag, value in (
        ("country-code", request.country),
        ("state", request.state),
        ("locality", request.locality),
        ("organization", request.organization),
        ("email", request.email),
    ):
        if value:
            children.append(E(tag, value))
    for tag, values in (
        ("organization-unit", request.organizational_units),
        ("hostname", request.dns_names),
        ("ip", request.ip_addresses),
        ("alt-email", request.emails),
    ):
        if values:
            children.append(E(tag, *[E("member", v) for v in values]))
    return E("request", E("certificate", E("generate", *children)))


def partial_commit(admin: str, description: str | None) -> etree._Element:
    """An admin-scoped partial commit (panos.md §7) that never excludes a scope."""
    children: list[etree._Element] = [E("partial", E("admin", E("member", admin)))]
    if description:
        children.append(E("description", description))
    return E("commit", *children)
