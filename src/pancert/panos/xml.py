"""Safe XML in and out of the PAN-OS XML API: the envelope (panos.md §2) and builders.

Replies are parsed by lxml with entity resolution, DTD loading and network access off, so
a hostile or broken peer cannot expand entities or make us fetch anything. Requests are built
with lxml's element builder, so every value (an organisation like ``AT&T <Labs> "x"``) is
escaped by the serializer, never by string formatting.
"""

from __future__ import annotations

from lxml import etree

from pancert.panos.errors import SUCCESS_CODES, PanosReplyError, error_for

__all__ = ["E", "check_envelope", "child_text", "messages", "parse", "text_of", "to_text"]

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


def E(tag: str, *children: etree._Element | str, **attributes: str) -> etree._Element:
    """Element builder: ``E("entry", E("member", value), name=n)``; text is escaped on output."""
    element = etree.Element(tag, attributes)
    for child in children:
        if isinstance(child, str):
            element.text = (element.text or "") + child
        else:
            element.append(child)
    return element


def text_of(element: etree._Element) -> str:
    """All text inside ``element`` (CDATA included), stripped."""
    return "".join(str(t) for t in element.itertext()).strip()


def parse(body: bytes | str) -> etree._Element:
    """Parse one XML document safely; :class:`PanosReplyError` if it is not XML."""
    data = body.encode() if isinstance(body, str) else body
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise PanosReplyError(f"the reply is not XML ({exc.msg})") from exc
    if root is None:
        raise PanosReplyError("the reply is empty")
    return root


def to_text(element: etree._Element) -> str:
    return etree.tostring(element, encoding="unicode")


def child_text(element: etree._Element | None, path: str) -> str | None:
    """Text of the first node at the relative ``path`` (stripped), or None when absent."""
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip()


def messages(root: etree._Element) -> tuple[str, ...]:
    """Every message line wherever PAN-OS put it: ``msg/line``, ``msg``, ``result/msg[/line]``,
    or a bare ``result`` text (panos.md §2, pan-python probes the same places)."""
    found: list[str] = []
    for msg in [*root.findall("msg"), *root.findall("result/msg")]:
        lines = msg.findall("line")
        if lines:
            found.extend(text_of(line) for line in lines)
        elif msg.text and msg.text.strip():
            found.append(msg.text.strip())
    if not found:
        result = root.find("result")
        if result is not None and result.text and result.text.strip() and len(result) == 0:
            found.append(result.text.strip())
    return tuple(found)


def _code(root: etree._Element) -> int | None:
    raw = root.get("code")
    if raw is None:
        return None
    try:
        return int(raw.strip())
    except ValueError:
        return None


def check_envelope(root: etree._Element, http_status: int = 200) -> etree._Element:
    """Return ``root`` when it is a success envelope; raise the mapped error otherwise.

    ``status="success"`` with code 7 (``get`` of a missing node) is a success here: callers
    that read decide what absence means.
    """
    if root.tag != "response":
        raise PanosReplyError(f"expected a <response> envelope, got <{root.tag}>")
    status = (root.get("status") or "").strip()
    code = _code(root)
    if status == "success" and http_status < 400:
        return root
    if status == "error" or http_status >= 400 or (code is not None and code not in SUCCESS_CODES):
        raise error_for(code, messages(root), http_status)
    raise PanosReplyError(f"unexpected response status {status!r}")
