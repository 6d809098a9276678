"""PAN-OS reply envelopes as the samples show them (panos.md §2, panos-samples/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from lxml import etree


@dataclass
class Reply:
    """What a handler answers: status, body and media type, turned into HTTP by the app."""

    body: bytes
    status: int = 200
    media_type: str = "application/xml"
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """Raised by handlers; becomes an error envelope (``code`` None: no code attribute)."""

    def __init__(self, code: int | None, *lines: str, http_status: int = 200) -> None:
        self.code = code
        self.lines = lines
        self.http_status = http_status
        super().__init__(" | ".join(lines))


def _document(root: etree._Element) -> bytes:
    return etree.tostring(root, encoding="utf-8")


def success(
    *children: etree._Element, text: str | None = None, code: int | None = None, **attrs: str
) -> Reply:
    root = etree.Element("response", status="success")
    if code is not None:
        root.set("code", str(code))
    result = etree.SubElement(root, "result", attrs)
    if text is not None:
        result.text = text
    for child in children:
        result.append(child)
    return Reply(_document(root))


def message(text: str, code: int) -> Reply:
    """``<response status="success" code="N"><msg>text</msg></response>`` (set/edit/delete,
    "There are no changes to commit.")."""
    root = etree.Element("response", status="success", code=str(code))
    etree.SubElement(root, "msg").text = text
    return Reply(_document(root))


def keygen_success(key: str) -> Reply:
    """The keygen reply as the device writes it: spaces around ``=`` and single quotes (the
    acme.sh PAN-OS deploy hook parses exactly that, https://github.com/acmesh-official/acme.sh
    deploy/panos.sh ``parse_response``)."""
    text = escape(key)
    return Reply(
        f"<response status = 'success'><result><key>{text}</key></result></response>".encode()
    )


def invalid_credential() -> Reply:
    """HTTP 403 for a wrong password or API key, in the device's own shape."""
    body = (
        "<response status = 'error' code = '403'>"
        "<result><msg>Invalid Credential</msg></result></response>"
    )
    return Reply(body.encode(), status=403)


def error(code: int | None, *lines: str, http_status: int = 200) -> Reply:
    if code == 403:
        return invalid_credential()
    root = etree.Element("response", status="error")
    if code is not None:
        root.set("code", str(code))
    if code == 400:
        # the sample puts a 400's text in result/msg without lines
        etree.SubElement(etree.SubElement(root, "result"), "msg").text = " ".join(lines)
    else:
        msg = etree.SubElement(root, "msg")
        for line in lines:
            etree.SubElement(msg, "line").text = etree.CDATA(line)
    return Reply(_document(root), status=http_status)


def attachment(data: bytes, filename: str) -> Reply:
    return Reply(
        data,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


def element(tag: str, text: str | None = None, *children: etree._Element) -> etree._Element:
    node = etree.Element(tag)
    node.text = text
    for child in children:
        node.append(child)
    return node
