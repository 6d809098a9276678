"""Every XPath the client sends is built here, from validated names only (panos.md §3, §8).

A name goes into a predicate only after :func:`check_name` accepted it, so no value can
close the quote and change the query. Panorama templates and template stacks are further
prefixes of the same shape; they slot into :func:`location_prefix` without touching callers.
"""

from __future__ import annotations

import re

from pancert.panos.models import Location

DEVICE = "/config/devices/entry[@name='localhost.localdomain']"
SHARED_PREFIX = "/config/shared"
MANAGEMENT_PROFILE = f"{DEVICE}/deviceconfig/system/ssl-tls-service-profile"
IKE_GATEWAYS = f"{DEVICE}/network/ike/gateway"

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._\-]{0,62}$")
_VSYS = re.compile(r"^vsys[1-9][0-9]{0,2}$")


class InvalidNameError(ValueError):
    """A name that PAN-OS would refuse or that cannot be quoted safely in an XPath."""


def check_name(name: str) -> str:
    """Object names: 1-63 characters, letters, digits, space, ``. _ -``, no leading ``_``
    or ``*`` (panos.md §6 limits). Quotes never pass, which is what keeps predicates safe."""
    if not _NAME.match(name):
        raise InvalidNameError(
            f"object name {name!r} is not allowed (1-63 characters: letters, digits, space, "
            "'.', '_', '-'; starting with a letter or digit)"
        )
    return name


def check_location(location: Location) -> Location:
    if not location.is_shared and not _VSYS.match(location.name):
        raise InvalidNameError(f"location {location.name!r} is not allowed (shared or vsysN)")
    return location


def location_prefix(location: Location) -> str:
    check_location(location)
    if location.is_shared:
        return SHARED_PREFIX
    return f"{DEVICE}/vsys/entry[@name='{location.name}']"


def certificates(location: Location) -> str:
    return f"{location_prefix(location)}/certificate"


def certificate(location: Location, name: str) -> str:
    return f"{certificates(location)}/entry[@name='{check_name(name)}']"


def entry(list_xpath: str, name: str) -> str:
    return f"{list_xpath}/entry[@name='{check_name(name)}']"


def member(list_xpath: str, value: str) -> str:
    if "'" in value or not value:
        raise InvalidNameError(f"member {value!r} cannot be addressed by XPath")
    return f"{list_xpath}/member[text()='{value}']"


def ssl_tls_profiles(location: Location) -> str:
    return f"{location_prefix(location)}/ssl-tls-service-profile"


def certificate_profiles(location: Location) -> str:
    return f"{location_prefix(location)}/certificate-profile"


def decryption_rules(location: Location) -> str:
    return f"{location_prefix(location)}/rulebase/decryption/rules"


def global_protect(location: Location) -> str:
    return f"{location_prefix(location)}/global-protect"


def vsys_location(name: str) -> Location:
    return check_location(Location(name))


def existing_entry(list_xpath: str, name: str) -> str:
    """An entry whose name was read from the device: any name PAN-OS stored is kept, except
    one with a quote, which could not be written as a predicate at all."""
    if "'" in name or not name:
        raise InvalidNameError(f"object name {name!r} cannot be addressed by XPath")
    return f"{list_xpath}/entry[@name='{name}']"
