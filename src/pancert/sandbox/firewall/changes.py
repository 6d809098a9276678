"""Changes to a configuration tree: ``set``, ``edit`` and ``delete`` as PAN-OS applies them
(panos.md §8), used live on the candidate and replayed onto the running configuration by
admin-scoped partial commits."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from lxml import etree

from pancert.sandbox.firewall import tree

SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@dataclass
class Change:
    admin: str
    action: str  # set | edit | delete | rename | move | clone
    xpath: str
    element: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    """``newname`` (rename, clone), ``where``/``dst`` (move), ``from`` (clone)."""
    attributed: bool = True
    """False for a ``set`` on a partial XPath (a container, with the entry wrapped in the
    element): PAN-OS 11.0.3-h3+ attributes it to the container, not the entry, so such
    changes of two admins combine under the last one (pan-os-python #570, pan-os-ansible
    #212, pan-os-codegen PR #121)."""


def apply(root: etree._Element, change: Change, *, marks: bool) -> list[etree._Element]:
    """Apply one change to ``root`` (``marks``: stamp ``admin`` on what it touched)."""
    if change.action == "delete":
        return _delete(root, change, marks)
    if change.action in ("rename", "move", "clone"):
        return _reshape(root, change, marks)
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


def _single(root: etree._Element, xpath: str) -> etree._Element:
    nodes = tree.select(root, xpath)
    if len(nodes) != 1:
        raise tree.XPathError(f"{xpath} must match exactly one node (it matches {len(nodes)})")
    return nodes[0]


def _reshape(root: etree._Element, change: Change, marks: bool) -> list[etree._Element]:
    """``rename``, ``move`` and ``clone`` of one named entry (pan-python ``xapi.py``:
    ``newname``; ``where`` top|bottom|before|after with ``dst``; ``from``)."""
    extra = change.extra
    if change.action == "clone":
        source = _single(root, extra.get("from", ""))
        target = _single(root, change.xpath)
        node = copy.deepcopy(source)
        node.set("name", extra.get("newname", ""))
        if twin := tree.twin_of(target, node):
            raise tree.XPathError(f"{twin.get('name')} already exists")
        target.append(node)
    else:
        node = _single(root, change.xpath)
        parent = node.getparent()
        if parent is None or node.get("name") is None:
            raise tree.XPathError(f"{change.xpath} is not a named entry")
        if change.action == "rename":
            newname = extra.get("newname", "")
            if any(c.get("name") == newname for c in parent if c is not node):
                raise tree.XPathError(f"{newname} already exists")
            node.set("name", newname)
        else:
            _move(parent, node, extra.get("where", ""), extra.get("dst"))
    if marks:
        tree.mark(node, change.admin)
    else:
        tree.strip_marks(node)
    return [node]


def _move(parent: etree._Element, node: etree._Element, where: str, dst: str | None) -> None:
    if where not in ("top", "bottom", "before", "after"):
        raise tree.XPathError(f"where must be top, bottom, before or after, not {where!r}")
    parent.remove(node)
    if where == "top":
        parent.insert(0, node)
    elif where == "bottom":
        parent.append(node)
    else:
        anchor = next((c for c in parent if c.get("name") == dst), None)
        if anchor is None:
            parent.append(node)
            raise tree.XPathError(f"dst {dst!r} does not exist")
        anchor.addprevious(node) if where == "before" else anchor.addnext(node)
