"""Finding every configuration node that uses a certificate (panos.md §8).

Works on two configuration subtrees read in one ``get`` each — ``/config/shared`` and the
device entry — so the number of calls does not grow with the number of reference kinds.
Decryption rules are recognised by shape, not by version: 10.2+ holds a ``certificates``
member list under ``ssl-inbound-inspection``, earlier releases the name as its text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from lxml import etree

from pancert.panos import xpaths
from pancert.panos.models import Location, Reference, ReferenceForm, ReferenceKind
from pancert.panos.xml import child_text

_Scope = tuple[etree._Element, Location, str]


def _named(element: etree._Element, path: str) -> Iterator[tuple[str, etree._Element]]:
    for entry in element.iterfind(path):
        name = entry.get("name")
        if name is not None and "'" not in name:
            yield name, entry


def template_of(node: etree._Element) -> str | None:
    """The Panorama template that pushed ``node`` (or an ancestor): ``ptpl``/``src="tpl"``
    as a firewall shows template values (panos.md §3). Such nodes are Panorama's to change."""
    for element in (node, *node.iterancestors()):
        if element.get("src") in ("tpl", "ptpl") or element.get("ptpl"):
            return element.get("ptpl") or "(a Panorama template)"
    return None


def _owned(reference: Reference, node: etree._Element) -> Reference:
    template = template_of(node)
    return reference if template is None else dataclasses.replace(reference, template=template)


def _scope_references(
    scope: _Scope, cert: str, profiles: dict[str, str]
) -> Iterator[tuple[Reference, str | None]]:
    """References inside one location; fills ``profiles`` (profile name → certificate xpath)
    with the SSL/TLS service profiles naming ``cert`` so uses through them can be found."""
    element, location, prefix = scope
    for name, entry in _named(element, "ssl-tls-service-profile/entry"):
        if child_text(entry, "certificate") == cert:
            profile = xpaths.existing_entry(prefix + "/ssl-tls-service-profile", name)
            xpath = profile + "/certificate"
            profiles[name] = xpath
            yield (
                _owned(
                    Reference(ReferenceKind.SSL_TLS_SERVICE_PROFILE, name, xpath, location, cert),
                    entry,
                ),
                None,
            )
    rules = f"{prefix}/rulebase/decryption/rules"
    for name, entry in _named(element, "rulebase/decryption/rules/entry"):
        inbound = entry.find("type/ssl-inbound-inspection")
        if inbound is None:
            continue
        base = f"{xpaths.existing_entry(rules, name)}/type/ssl-inbound-inspection"
        members = [(m.text or "").strip() for m in inbound.findall("certificates/member")]
        if cert in members:
            yield (
                _owned(
                    Reference(
                        ReferenceKind.DECRYPTION_RULE,
                        name,
                        base + "/certificates",
                        location,
                        cert,
                        ReferenceForm.MEMBER,
                    ),
                    entry,
                ),
                None,
            )
        elif len(inbound) == 0 and (inbound.text or "").strip() == cert:
            reference = Reference(ReferenceKind.DECRYPTION_RULE, name, base, location, cert)
            yield _owned(reference, entry), None
    for name, entry in _named(element, "certificate-profile/entry"):
        if any(ca.get("name") == cert for ca in entry.iterfind("CA/entry")):
            xpath = xpaths.existing_entry(prefix + "/certificate-profile", name) + "/CA"
            yield (
                _owned(
                    Reference(
                        ReferenceKind.CERTIFICATE_PROFILE,
                        name,
                        xpath,
                        location,
                        cert,
                        ReferenceForm.ENTRY,
                    ),
                    entry,
                ),
                None,
            )


def _through_profiles(
    element: etree._Element, location: Location, cert: str, profiles: dict[str, str]
) -> Iterator[Reference]:
    uses = (
        (
            ReferenceKind.GLOBAL_PROTECT_PORTAL,
            "global-protect/global-protect-portal/entry",
            "portal-config/ssl-tls-service-profile",
        ),
        (
            ReferenceKind.GLOBAL_PROTECT_GATEWAY,
            "global-protect/global-protect-gateway/entry",
            "ssl-tls-service-profile",
        ),
    )
    for kind, path, leaf in uses:
        for name, entry in _named(element, path):
            profile = child_text(entry, leaf)
            if profile in profiles:
                yield Reference(
                    kind, name, profiles[profile], location, cert, ReferenceForm.TEXT, profile
                )


def find_references(
    shared: etree._Element | None,
    device: etree._Element | None,
    cert: str,
    location: Location,
) -> list[Reference]:
    """Every use of certificate ``cert`` of ``location``.

    A shared certificate is visible to every vsys, so for ``shared`` every vsys is searched
    too; a vsys certificate is searched in its own vsys. Device-wide users (management
    interface, IKE gateways) are searched for both.
    """
    scopes: list[_Scope] = []
    if location.is_shared and shared is not None:
        scopes.append((shared, location, xpaths.SHARED_PREFIX))
    if device is not None:
        for name, vsys in _named(device, "vsys/entry"):
            if location.is_shared or name == location.name:
                vsys_location = Location(name)
                scopes.append((vsys, vsys_location, xpaths.location_prefix(vsys_location)))
    found: list[Reference] = []
    shared_profiles: dict[str, str] = {}
    for scope in scopes:
        profiles = shared_profiles if scope[1].is_shared else dict(shared_profiles)
        found.extend(ref for ref, _ in _scope_references(scope, cert, profiles))
        found.extend(_through_profiles(scope[0], scope[1], cert, profiles))
    if device is not None:
        management = child_text(device, "deviceconfig/system/ssl-tls-service-profile")
        if management is not None and management in shared_profiles:
            found.append(
                Reference(
                    ReferenceKind.MANAGEMENT,
                    management,
                    shared_profiles[management],
                    Location("shared"),
                    cert,
                    ReferenceForm.TEXT,
                    management,
                )
            )
        for name, gateway in _named(device, "network/ike/gateway/entry"):
            local = "authentication/certificate/local-certificate/name"
            if child_text(gateway, local) == cert:
                xpath = f"{xpaths.existing_entry(xpaths.IKE_GATEWAYS, name)}/{local}"
                reference = Reference(ReferenceKind.IKE_GATEWAY, name, xpath, location, cert)
                found.append(_owned(reference, gateway))
    return found
