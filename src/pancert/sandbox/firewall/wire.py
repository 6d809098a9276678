"""What a sandbox firewall reads from an HTTP request: parameters from the query string, a
urlencoded body or a multipart form, the uploaded ``file`` part, and HTTP Basic credentials.

Multipart bodies go through python-multipart's streaming parser with the ``boundary=`` value
taken as it stands in the header. pan-python sends an unquoted boundary of sixteen ``_`` and
64 base64 characters (``+``, ``/`` and, in general, ``=``) — see ``_MultiPartFormData._boundary``
in https://github.com/kevinsteves/pan-python/blob/master/lib/pan/xapi.py — which a MIME parser
made for e-mail splits at the first ``/`` or ``=``. PAN-OS, on the other hand, fails uploads
whose boundary is quoted (https://github.com/PowerShell/PowerShell/issues/9241, and the
Keyfactor PAN-OS orchestrator's own multipart builder): with the switch
``quoted_boundary_literal`` (on by default) the quotes stay part of the boundary, so nothing
matches and the upload arrives empty, as on the device.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from starlette.requests import Request


@dataclass
class Part:
    headers: dict[str, str] = field(default_factory=dict)
    data: bytearray = field(default_factory=bytearray)


def boundary_of(content_type: str, *, literal_quotes: bool) -> str | None:
    for piece in content_type.split(";")[1:]:
        name, _, value = piece.strip().partition("=")
        if name.strip().lower() == "boundary" and value:
            value = value.strip()
            if not literal_quotes and len(value) > 1 and value[0] == value[-1] == '"':
                value = value[1:-1]
            return value
    return None


def _disposition(value: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for piece in value.split(";")[1:]:
        name, _, raw = piece.strip().partition("=")
        params[name.strip().lower()] = raw.strip().strip('"')
    return params


def parse_multipart(
    content_type: str, body: bytes, *, literal_quotes: bool = True
) -> tuple[dict[str, str], bytes, str | None]:
    """Form fields, the ``file`` part's bytes and its filename (empty when nothing parses)."""
    boundary = boundary_of(content_type, literal_quotes=literal_quotes)
    if not boundary:
        return {}, b"", None
    parts: list[Part] = []
    header: dict[str, bytearray] = {"name": bytearray(), "value": bytearray()}

    def on_part_begin() -> None:
        parts.append(Part())

    def on_part_data(data: bytes, start: int, end: int) -> None:
        parts[-1].data += data[start:end]

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header["name"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header["value"] += data[start:end]

    def on_header_end() -> None:
        name = header["name"].decode("latin-1").strip().lower()
        parts[-1].headers[name] = header["value"].decode("utf-8", "replace").strip()
        header["name"], header["value"] = bytearray(), bytearray()

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_part_data": on_part_data,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError:
        return {}, b"", None  # a body the device cannot split is an empty upload
    fields: dict[str, str] = {}
    upload, filename = b"", None
    for part in parts:
        params = _disposition(part.headers.get("content-disposition", ""))
        name = params.get("name")
        if name == "file":
            upload, filename = bytes(part.data), params.get("filename")
        elif name and "filename" not in params:
            fields[name] = bytes(part.data).decode("utf-8", "replace")
    return fields, upload, filename


@dataclass
class Incoming:
    """One API request as the firewall sees it."""

    params: dict[str, str]
    upload: bytes
    filename: str | None
    body: bytes
    basic: tuple[str, str] | None


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """``Authorization: Basic`` user and password (RFC 7617), or None."""
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


async def read(request: Request, *, literal_quotes: bool = True) -> Incoming:
    """Query and form fields merged (form wins), the uploaded ``file``, the raw body."""
    params = dict(request.query_params.items())
    body = await request.body()
    upload, filename = b"", None
    content_type = request.headers.get("content-type", "")
    if request.method == "POST" and content_type.lower().startswith("multipart/form-data"):
        fields, upload, filename = parse_multipart(
            content_type, body, literal_quotes=literal_quotes
        )
        params.update(fields)
    elif request.method == "POST" and body:
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    basic = basic_credentials(request.headers.get("authorization"))
    return Incoming(params, upload, filename, body, basic)
