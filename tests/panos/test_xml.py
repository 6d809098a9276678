"""The XML boundary: entities are never expanded, values are escaped by the builder, and
XPath predicates accept only validated names."""

from __future__ import annotations

import pytest

from pancert.panos import xpaths
from pancert.panos.models import Location
from pancert.panos.xml import E, parse, text_of, to_text


def test_entities_are_not_expanded() -> None:
    body = (
        b'<!DOCTYPE r [<!ENTITY x "expanded">]>'
        b'<response status="success"><result>&x;</result></response>'
    )
    root = parse(body)
    assert "expanded" not in text_of(root)


def test_external_entities_are_not_fetched() -> None:
    body = (
        b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
        b'<response status="success"><result>&x;</result></response>'
    )
    assert text_of(parse(body)) == "&x;"  # left as an unresolved reference


def test_builder_escapes_values() -> None:
    built = to_text(E("organization", 'AT&T <Labs> "x"'))
    assert built == '<organization>AT&amp;T &lt;Labs&gt; "x"</organization>'
    assert text_of(parse(built)) == 'AT&T <Labs> "x"'


@pytest.mark.parametrize("name", ["x']|//*|a['", "", "_lead", "*.example.com", "a" * 64, "a/b"])
def test_names_that_could_break_a_predicate_are_refused(name: str) -> None:
    with pytest.raises(xpaths.InvalidNameError):
        xpaths.certificate(Location("shared"), name)


@pytest.mark.parametrize("location", ["vsys0", "vsys1']", "shared2", "panorama"])
def test_locations_are_validated(location: str) -> None:
    with pytest.raises(xpaths.InvalidNameError):
        xpaths.certificates(Location(location))


def test_location_prefixes() -> None:
    assert xpaths.certificates(Location("shared")) == "/config/shared/certificate"
    assert xpaths.certificate(Location("vsys2"), "web-1") == (
        "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys2']"
        "/certificate/entry[@name='web-1']"
    )
