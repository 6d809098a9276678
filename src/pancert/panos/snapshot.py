"""One read of a firewall's configuration, queried many times.

The references to a certificate and the certificates of a location can be answered from the
``shared`` and device subtrees; reading those two once per firewall and run, instead of once
per certificate, keeps the calls per certificate flat (≤ 6 PAN-OS calls, bench/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from pancert.panos import parsers, xpaths
from pancert.panos.models import CertificateEntry, Location, Reference
from pancert.panos.references import find_references


@dataclass(frozen=True)
class ConfigSnapshot:
    shared: etree._Element | None
    """``/config/shared`` as read."""
    device: etree._Element | None
    """``/config/devices/entry[@name='localhost.localdomain']`` as read."""

    def references_to(self, name: str, location: Location) -> list[Reference]:
        xpaths.check_name(name)
        return find_references(self.shared, self.device, name, location)

    def certificates(self, location: Location) -> list[CertificateEntry]:
        if location.is_shared:
            container = self.shared
        else:
            xpaths.check_location(location)
            found = (
                None
                if self.device is None
                else self.device.xpath("vsys/entry[@name=$n]", n=location.name)
            )
            container = (
                found[0]
                if isinstance(found, list) and found and isinstance(found[0], etree._Element)
                else None
            )
        if container is None:
            return []
        return parsers.certificate_entries(container, location)
