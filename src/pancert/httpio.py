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
# aiohttp computes these from the body and the URL; httpx's values would be duplicates
_OWN_HEADERS = frozenset({b"host", b"content-length", b"transfer-encoding", b"connection"})


@contextmanager
def _mapped(request: httpx.Request) -> Iterator[None]:
    """aiohttp's exceptions as httpx's, split by whether the request can have been sent."""
    try:
        yield
    except aiohttp.ConnectionTimeoutError as exc:  # connecting, or waiting for the pool
        raise httpx.ConnectTimeout(str(exc) or "timed out connecting", request=request) from exc
    except aiohttp.ClientConnectorError as exc:  # refused, DNS, TLS handshake: never sent
        raise httpx.ConnectError(str(exc), request=request) from exc
    except aiohttp.InvalidURL as exc:
        raise httpx.UnsupportedProtocol(str(exc), request=request) from exc
    except (TimeoutError, aiohttp.SocketTimeoutError) as exc:
        raise httpx.ReadTimeout(str(exc) or "timed out reading", request=request) from exc
    except aiohttp.ClientResponseError as exc:  # an unparsable status line or headers
        raise httpx.RemoteProtocolError(str(exc), request=request) from exc
    except (aiohttp.ClientError, OSError) as exc:  # dropped after sending, or mid-body
        raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc


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
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=timeouts.get("pool"),
            sock_connect=timeouts.get("connect"),
            sock_read=timeouts.get("read"),
        )
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in request.headers.raw
            if k.lower() not in _OWN_HEADERS
        ]
        body = await request.aread()
        with _mapped(request):
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

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _environment_proxy() -> bool:
    return bool(httpx._utils.get_environment_proxies())


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
    return httpx.AsyncClient(
        transport=AiohttpTransport(verify),
        timeout=timeout,
        follow_redirects=follow_redirects,
    )
