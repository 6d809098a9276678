"""pancert's HTTP engine (httpx over aiohttp): what reaches the wire, what comes back, and —
for exactly-once ordering — which failures say "never sent" and which "may have been sent"."""

from __future__ import annotations

import asyncio
import gzip
import json
import secrets
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from pancert.httpio import AiohttpTransport, _environment_proxy, async_client, post_form
from pancert.sandbox.ca import SandboxCA
from pancert.scm._http import _NOT_SENT as NOT_SENT_ERRORS

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _request(reader: asyncio.StreamReader) -> tuple[str, dict[str, list[str]], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
    length = int(headers.get("content-length", ["0"])[0])
    body = await reader.readexactly(length) if length else b""
    return lines[0], headers, body


@asynccontextmanager
async def serve(handler: Handler, context: ssl.SSLContext | None = None) -> AsyncIterator[str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"{'https' if context else 'http'}://127.0.0.1:{port}/api/"
    finally:
        server.close()


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers with what it received, gzip-compressed (httpx asked for it)."""
    line, headers, body = await _request(reader)
    payload = json.dumps({"line": line, "headers": headers, "body": body.decode("latin-1")})
    packed = gzip.compress(payload.encode())
    writer.write(
        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nConnection: close\r\n"
        b"Content-Encoding: gzip\r\nX-Twice: a\r\nX-Twice: b\r\n"
        + f"Content-Length: {len(packed)}\r\n\r\n".encode()
        + packed
    )
    await writer.drain()
    writer.close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_form_post_arrives_once_with_httpxs_headers_and_the_reply_is_decoded() -> None:
    async def scenario() -> httpx.Response:
        async with serve(_echo) as url, async_client() as client:
            fields = {"type": "op", "cmd": "<a>&</a>"}
            return await client.post(url, data=fields, headers={"X-K": "v"})

    reply = asyncio.run(scenario())
    assert reply.status_code == 201
    assert reply.reason_phrase == "Created"
    assert reply.headers.get_list("x-twice") == ["a", "b"]
    seen = reply.json()
    assert seen["line"] == "POST /api/ HTTP/1.1"
    assert seen["body"] == "type=op&cmd=%3Ca%3E%26%3C%2Fa%3E"
    for name in ("host", "content-length", "content-type", "x-k", "user-agent"):
        assert len(seen["headers"][name]) == 1, name
    assert seen["headers"]["content-type"] == ["application/x-www-form-urlencoded"]


def test_a_multipart_upload_keeps_httpxs_boundary() -> None:
    async def scenario() -> httpx.Response:
        async with serve(_echo) as url, async_client() as client:
            files = {"file": ("c.pem", b"PEM-BYTES", "text/plain")}
            return await client.post(url, data={"type": "import"}, files=files)

    seen = asyncio.run(scenario()).json()
    (content_type,) = seen["headers"]["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.split("boundary=")[1]
    assert f"--{boundary}" in seen["body"]
    assert "PEM-BYTES" in seen["body"]


def test_a_refused_connection_is_never_sent() -> None:
    async def scenario() -> None:
        async with async_client() as client:
            await client.post(f"http://127.0.0.1:{_closed_port()}/api/", data={"a": "b"})

    with pytest.raises(httpx.ConnectError) as caught:
        asyncio.run(scenario())
    assert isinstance(caught.value, NOT_SENT_ERRORS)


def test_a_connection_dropped_after_the_request_may_have_been_processed() -> None:
    received: list[bytes] = []

    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append((await _request(reader))[2])
        writer.transport.abort()

    async def scenario() -> None:
        async with serve(drop) as url, async_client() as client:
            await client.post(url, json={"order": 1})

    with pytest.raises(httpx.TransportError) as caught:
        asyncio.run(scenario())
    assert received == [b'{"order":1}']  # it reached the server …
    assert not isinstance(caught.value, NOT_SENT_ERRORS)  # … so it must not count as unsent


def test_a_silent_server_is_a_read_timeout_not_a_connect_failure() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request(reader)
        await asyncio.sleep(5)

    async def scenario() -> None:
        timeout = httpx.Timeout(5, read=0.2)
        async with serve(silent) as url, async_client(timeout=timeout) as client:
            await client.post(url, data={"a": "b"})

    with pytest.raises(httpx.ReadTimeout) as caught:
        asyncio.run(scenario())
    assert not isinstance(caught.value, NOT_SENT_ERRORS)


def test_an_untrusted_certificate_fails_the_handshake_with_the_ssl_cause(
    tmp_path: Path, sandbox_ca: SandboxCA
) -> None:
    chain, key = sandbox_ca.issue_tls_server()
    (tmp_path / "chain.pem").write_bytes(chain)
    (tmp_path / "key.pem").write_bytes(key)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(tmp_path / "chain.pem", tmp_path / "key.pem")

    async def scenario() -> tuple[BaseException, int, str]:
        async with serve(_echo, server_context) as url:
            async with async_client(verify=ssl.create_default_context()) as client:
                try:
                    await client.post(url, data={"a": "b"})
                except httpx.ConnectError as exc:
                    failure: BaseException = exc
            trusted = ssl.create_default_context(cadata=sandbox_ca.bundle_pem().decode())
            async with async_client(verify=trusted) as client:
                # larger than the TLS read buffer pancert sets: read over several calls
                reply = await client.post(url, data={"a": big})
                return failure, reply.status_code, reply.json()["body"]

    big = secrets.token_hex(200 * 1024)
    failure, status, echoed = asyncio.run(scenario())
    assert echoed == f"a={big}"
    cause: BaseException | None = failure
    while cause is not None and not isinstance(cause, ssl.SSLCertVerificationError):
        cause = cause.__cause__ or cause.__context__
    assert isinstance(cause, ssl.SSLCertVerificationError)
    assert status == 201


def test_a_proxy_in_the_environment_keeps_httpxs_own_transport(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    _environment_proxy.cache_clear()  # read once per process; this test changes it
    assert not isinstance(async_client()._transport, AiohttpTransport)
    monkeypatch.delenv("HTTPS_PROXY")
    _environment_proxy.cache_clear()
    assert isinstance(async_client()._transport, AiohttpTransport)


def test_the_pan_os_form_path_sends_what_httpx_would() -> None:
    """``post_form`` bypasses httpx's layer on pancert's own clients: the server must see
    the same form and multipart bodies, and a refused connection stays "never sent"."""

    async def scenario() -> tuple[dict[str, object], dict[str, object]]:
        async with serve(_echo) as url, async_client() as client:
            plain = await post_form(client, url, {"type": "op", "cmd": "<a>&</a>"}, None, {})
            files = {"file": ("c.pem", b"PEM-BYTES", "application/x-pem-file")}
            upload = await post_form(client, url, {"type": "import"}, files, {"X-K": "v"})
            return plain.json(), upload.json()

    plain, upload = asyncio.run(scenario())
    assert plain["body"] == "type=op&cmd=%3Ca%3E%26%3C%2Fa%3E"
    assert plain["headers"]["content-type"] == ["application/x-www-form-urlencoded"]  # type: ignore[index]
    headers = upload["headers"]
    assert isinstance(headers, dict)
    (content_type,) = headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    assert headers["x-k"] == ["v"]
    body = str(upload["body"])
    assert 'name="type"' in body
    assert "import" in body
    assert 'filename="c.pem"' in body
    assert "PEM-BYTES" in body
    assert "application/x-pem-file" in body

    async def refused() -> None:
        async with async_client() as client:
            await post_form(client, f"http://127.0.0.1:{_closed_port()}/api/", {"a": "b"})

    with pytest.raises(httpx.ConnectError) as caught:
        asyncio.run(refused())
    assert isinstance(caught.value, NOT_SENT_ERRORS)
