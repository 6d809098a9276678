"""The HTTP engine under every client pancert opens: httpx's API over aiohttp's connections.

Why not httpx's own transport: measured on the bench's workload (form POSTs over TLS to a
loopback firewall, 20 at a time), httpx over httpcore/anyio spent 1.35 ms of CPU per request,
httpx over this transport 0.76 ms and bare aiohttp 0.49 ms (bench/README.md, "HTTP engine").
With about twelve requests per rotated certificate, the difference is most of the agent's
CPU. The clients keep httpx's request/response objects and exceptions (their tests drive them
through ``httpx.MockTransport``); only the bytes travel through aiohttp.

Why not the ``httpx-aiohttp`` package: it maps ``aiohttp.ClientConnectionError`` — which
includes a connection dropped *after* the request was sent — to ``httpx.ConnectTimeout``.
pancert's SCM client retries a non-idempotent enroll only on "never sent" errors
(:data:`pancert.scm._http._NOT_SENT`), so that mapping could order a certificate twice. Here
only failures before the request left (connecting, TLS handshake, waiting for the pool) become
``ConnectError``/``ConnectTimeout``; everything after is a read error, "may have been processed".

Proxies: httpx honours ``HTTPS_PROXY``/``NO_PROXY`` only with its own transport, so when the
environment names a proxy :func:`async_client` keeps httpx's transport (slower, but the same
behaviour as before).
"""

from __future__ import annotations

import asyncio.sslproto
import functools
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import httpx

# asyncio's TLS layer allocates (and zero-fills) a 256 KiB read buffer per connection
# (CPython's Lib/asyncio/sslproto.py, SSLProtocol.max_size). With one pooled connection per
# firewall and 200 firewalls at once that is 50 MB of resident memory for replies of a few
# kilobytes; a TLS record is at most 16 KiB (RFC 8446 §5.1), so 64 KiB still reads several
# records per call. pancert is the application, so the process-wide setting is its to make.
asyncio.sslproto.SSLProtocol.max_size = 64 * 1024

# Below the idle timeout of common servers (uvicorn and Apache: 5 s), so a pooled connection
# is dropped by pancert before the server closes it under a request in flight.
KEEPALIVE_S = 4.0
# httpx's default pool size (https://www.python-httpx.org/advanced/resource-limits/)
MAX_CONNECTIONS = 100
Files = dict[str, tuple[str, bytes, str]]
"""Multipart files: field name → (file name, content, content type), as httpx takes them."""

# aiohttp computes these from the body and the URL; httpx's values would be duplicates
_OWN_HEADERS = frozenset({b"host", b"content-length", b"transfer-encoding", b"connection"})


@contextmanager
def _mapped(method: str, url: str) -> Iterator[None]:
    """aiohttp's exceptions as httpx's, split by whether the request can have been sent."""
    try:
        yield
    except aiohttp.ConnectionTimeoutError as exc:  # connecting, or waiting for the pool
        raise httpx.ConnectTimeout(
            str(exc) or "timed out connecting", request=_r(method, url)
        ) from exc
    except aiohttp.ClientConnectorError as exc:  # refused, DNS, TLS handshake: never sent
        raise httpx.ConnectError(str(exc), request=_r(method, url)) from exc
    except aiohttp.InvalidURL as exc:
        raise httpx.UnsupportedProtocol(str(exc), request=_r(method, url)) from exc
    except (TimeoutError, aiohttp.SocketTimeoutError) as exc:
        raise httpx.ReadTimeout(str(exc) or "timed out reading", request=_r(method, url)) from exc
    except aiohttp.ClientResponseError as exc:  # an unparsable status line or headers
        raise httpx.RemoteProtocolError(str(exc), request=_r(method, url)) from exc
    except (aiohttp.ClientError, OSError) as exc:  # dropped after sending, or mid-body
        raise httpx.ReadError(str(exc) or type(exc).__name__, request=_r(method, url)) from exc


def _r(method: str, url: str) -> httpx.Request:
    # built only for an exception: an httpx.Request per call costs as much as the call
    return httpx.Request(method, url)


def _timeout(
    pool: float | None, connect: float | None, read: float | None
) -> aiohttp.ClientTimeout:
    """httpx's timeouts in aiohttp's terms: waiting for the pool counts as connecting."""
    return aiohttp.ClientTimeout(total=None, connect=pool, sock_connect=connect, sock_read=read)


class AiohttpTransport(httpx.AsyncBaseTransport):
    """One aiohttp session (connection pool), created in the running loop on first use."""

    def __init__(
        self, verify: ssl.SSLContext | bool = True, *, max_connections: int = MAX_CONNECTIONS
    ) -> None:
        if verify is True:  # httpx's default: certifi, or SSL_CERT_FILE/SSL_CERT_DIR
            verify = httpx.create_ssl_context()
        self._ssl: ssl.SSLContext | bool = verify
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                ssl=self._ssl, limit=self._max_connections, keepalive_timeout=KEEPALIVE_S
            )
            # httpx decodes the body (it asked for gzip/deflate); proxies: see the module
            self._session = aiohttp.ClientSession(
                connector=connector, auto_decompress=False, trust_env=False
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._open()
        timeouts: dict[str, Any] = request.extensions.get("timeout", {})
        timeout = _timeout(timeouts.get("pool"), timeouts.get("connect"), timeouts.get("read"))
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in request.headers.raw
            if k.lower() not in _OWN_HEADERS
        ]
        body = await request.aread()
        with _mapped(request.method, str(request.url)):
            async with session.request(
                request.method,
                str(request.url),
                data=body or None,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            ) as reply:
                content = await reply.read()
                return httpx.Response(
                    reply.status,
                    headers=list(reply.raw_headers),
                    stream=httpx.ByteStream(content),
                    extensions={
                        "http_version": b"HTTP/1.1",
                        "reason_phrase": (reply.reason or "").encode("latin-1", "replace"),
                    },
                    request=request,
                )

    async def post_form(
        self,
        url: str,
        fields: dict[str, str],
        files: Files | None,
        headers: dict[str, str],
        timeout: httpx.Timeout,
    ) -> httpx.Response:
        """A form (or multipart) POST without httpx's request and cookie machinery: the
        PAN-OS client sends thousands of them in a fleet run (see :func:`post_form`)."""
        session = self._open()
        data: aiohttp.FormData | dict[str, str] = fields
        if files:
            data = aiohttp.FormData()
            for name, value in fields.items():
                data.add_field(name, value)
            for name, (filename, content, content_type) in files.items():
                data.add_field(name, content, filename=filename, content_type=content_type)
        with _mapped("POST", url):
            async with session.post(
                url,
                data=data,
                headers=headers,
                timeout=_timeout(timeout.pool, timeout.connect, timeout.read),
                allow_redirects=False,
                skip_auto_headers=("Accept-Encoding",),  # an identity body: nothing to decode
            ) as reply:
                content = await reply.read()
                status, raw = reply.status, list(reply.raw_headers)
        # the headers go along: a server that compresses unasked is still decoded by httpx
        response = httpx.Response(status, headers=raw, stream=httpx.ByteStream(content))
        await response.aread()
        return response

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


@functools.cache
def _environment_proxy() -> bool:
    # read once per process: the environment of a run does not change under it
    return bool(httpx._utils.get_environment_proxies())


class _EngineClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` that also names its aiohttp transport, for :func:`post_form`."""

    def __init__(self, engine: AiohttpTransport, **kwargs: Any) -> None:
        super().__init__(transport=engine, **kwargs)
        self.engine = engine


def async_client(
    *,
    verify: ssl.SSLContext | bool = True,
    timeout: httpx.Timeout | float = 30.0,
    follow_redirects: bool = False,
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` on :class:`AiohttpTransport` (httpx's own transport where the
    environment names a proxy). ``verify=False`` only where the user turned verification off."""
    if _environment_proxy():
        return httpx.AsyncClient(verify=verify, timeout=timeout, follow_redirects=follow_redirects)
    return _EngineClient(
        AiohttpTransport(verify), timeout=timeout, follow_redirects=follow_redirects
    )


async def post_form(
    client: httpx.AsyncClient,
    url: str,
    fields: dict[str, str],
    files: Files | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """``client.post(url, data=fields, files=files, headers=headers)``, straight through
    aiohttp when ``client`` came from :func:`async_client`: httpx's own layer (request
    building, header normalisation, the cookie jar) was a third of the CPU of each request
    (bench/README.md, "HTTP engine"). Any other client (a test's ``MockTransport``, httpx's
    transport behind a proxy) gets the ordinary call. Exceptions are httpx's either way."""
    engine = getattr(client, "engine", None)
    if not isinstance(engine, AiohttpTransport):
        return await client.post(url, data=fields, files=files, headers=headers)
    return await engine.post_form(url, fields, files, headers or {}, client.timeout)
