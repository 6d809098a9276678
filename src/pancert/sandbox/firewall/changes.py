"""Changes to a configuration tree: ``set``, ``edit`` and ``delete`` as PAN-OS applies them
(reference §8), used live on the candidate and replayed onto the running configuration by
admin-scoped partial commits."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from lxml import etree

from pancert.sandbox.firewall import tree

SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@dataclass
class Change:
    admin: str
    action: str  # set | edit | delete
    xpath: str
    element: str | None = None


def apply(root: etree._Element, change: Change, *, marks: bool) -> list[etree._Element]:
    """Apply one change to ``root`` (``marks``: stamp ``admin`` on what it touched)."""
    if change.action == "delete":
        return _delete(root, change, marks)
    parsed = etree.fromstring(f"<wrap>{change.element or ''}</wrap>".encode(), SAFE)
    if change.action == "set":
        targets = tree.ensure(root, change.xpath)
        for target in targets:
            tree.merge(target, parsed, change.admin)
            if marks:
                tree.mark(target, change.admin)
            else:
                tree.strip_marks(target)
        return targets
    if len(parsed) != 1:
        raise tree.XPathError("edit needs exactly one element")
    return [_replace(t, parsed[0], change.admin, marks) for t in tree.ensure(root, change.xpath)]


def _delete(root: etree._Element, change: Change, marks: bool) -> list[etree._Element]:
    nodes = tree.select(root, change.xpath)
    for node in nodes:
        parent = node.getparent()
        if parent is not None:
            parent.remove(node)
            if marks:
                tree.mark(parent, change.admin)
    return nodes


def _replace(
    target: etree._Element, fresh: etree._Element, admin: str, marks: bool
) -> etree._Element:
    """``action=edit``: the element replaces the node; name and template origin are kept."""
    if target.tag != fresh.tag:
        raise tree.XPathError(f"edit of <{target.tag}> with <{fresh.tag}>")
    new = copy.deepcopy(fresh)
    for attribute in ("name", "ptpl", "src"):
        value = target.get(attribute)
        if value is not None and (attribute != "name" or new.get("name") is None):
            new.set(attribute, value)
    if marks:
        tree.mark(new, admin)
    parent = target.getparent()
    if parent is None:
        raise tree.XPathError("cannot edit the root")
    parent.replace(target, new)
    return new


def certificates_xpath(location: str) -> str:
    if location == "shared":
        return "/config/shared/certificate"
    return f"{tree.DEVICE}/vsys/entry[@name='{location}']/certificate"
