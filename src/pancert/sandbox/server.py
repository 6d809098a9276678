"""Serving sandbox ASGI apps over real HTTPS on loopback.

One uvicorn server can listen on many sockets; an app that emulates many firewalls tells them
apart by the port in ``scope["server"]``. :class:`LoopbackServer` runs a server in a background
thread (tests, the demo); :func:`serve_forever` runs servers in the caller's event loop
(``pancert sandbox``). Only loopback addresses are ever bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp

from pancert.sandbox.ca import SandboxCA

LOOPBACK = "127.0.0.1"


def bind_loopback(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


@contextlib.contextmanager
def _tls_files(ca: SandboxCA, folder: Path | None) -> Iterator[tuple[str, str]]:
    cert_pem, key_pem = ca.issue_tls_server()
    with tempfile.TemporaryDirectory(prefix="pancert-tls-", dir=folder) as tmp:
        cert_path, key_path = Path(tmp, "server.pem"), Path(tmp, "server.key")
        cert_path.write_bytes(cert_pem)
        key_path.write_bytes(key_pem)
        key_path.chmod(0o600)
        yield str(cert_path), str(key_path)


def make_server(app: ASGIApp, certfile: str, keyfile: str) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_keep_alive=30,
        # many virtual firewalls share one process: keep per-connection limits generous
        limit_concurrency=None,
        backlog=1024,
    )
    return uvicorn.Server(config)


class _PerPortTlsServer(uvicorn.Server):
    """A uvicorn server whose listening sockets each have their own TLS context, so an
    emulated device can change the certificate its port presents (a firewall whose
    management interface was given a new certificate) without touching its neighbours."""

    def __init__(self, config: uvicorn.Config, contexts: dict[int, ssl.SSLContext]) -> None:
        super().__init__(config)
        self._contexts = contexts

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        if sockets is None:
            await super().startup(sockets)
            return
        shared, servers = self.config.ssl, []
        try:
            for sock in sockets:
                self.config.ssl = self._contexts.get(sock.getsockname()[1], shared)
                await super().startup(sockets=[sock])
                servers.extend(self.servers)
        finally:
            self.config.ssl = shared
        self.servers = servers


def server_context(certfile: str, keyfile: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile, keyfile)
    return context


class LoopbackServer:
    """An ASGI app served over HTTPS on ``count`` loopback ports, in a background thread.

    With ``tls_per_port`` every port gets its own :class:`ssl.SSLContext`
    (``tls_contexts[port]``, ready after :meth:`start`); loading another certificate into
    one changes what that port presents to new connections."""

    def __init__(
        self,
        app: ASGIApp,
        ca: SandboxCA,
        *,
        count: int = 1,
        ports: list[int] | None = None,
        tls_per_port: bool = False,
    ) -> None:
        self._app = app
        self._ca = ca
        self._sockets = [bind_loopback(p) for p in (ports or [0] * count)]
        self.ports: list[int] = [s.getsockname()[1] for s in self._sockets]
        self._tls_per_port = tls_per_port
        self.tls_contexts: dict[int, ssl.SSLContext] = {}
        self._thread: threading.Thread | None = None
        self._server: uvicorn.Server | None = None
        self._tls: contextlib.ExitStack | None = None

    @property
    def port(self) -> int:
        return self.ports[0]

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}"

    def urls(self) -> list[str]:
        return [f"https://localhost:{p}" for p in self.ports]

    def start(self) -> LoopbackServer:
        self._tls = contextlib.ExitStack()
        certfile, keyfile = self._tls.enter_context(_tls_files(self._ca, None))
        self._server = make_server(self._app, certfile, keyfile)
        if self._tls_per_port:
            self.tls_contexts = {p: server_context(certfile, keyfile) for p in self.ports}
            self._server = _PerPortTlsServer(self._server.config, self.tls_contexts)
        server = self._server
        sockets = self._sockets

        def run() -> None:
            asyncio.run(server.serve(sockets=sockets))

        self._thread = threading.Thread(target=run, name="pancert-sandbox", daemon=True)
        self._thread.start()
        while not server.started:
            if not self._thread.is_alive():
                raise RuntimeError("sandbox server failed to start")
            self._thread.join(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        for sock in self._sockets:
            sock.close()
        if self._tls is not None:
            self._tls.close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


async def serve_forever(
    servers: list[tuple[ASGIApp, list[socket.socket]]],
    ca: SandboxCA,
    stop: asyncio.Event,
    tls_folder: Path | None = None,
) -> None:
    """Serve each (app, sockets) pair until ``stop`` is set; used by ``pancert sandbox``."""
    with contextlib.ExitStack() as stack:
        running: list[uvicorn.Server] = []
        tasks = []
        for app, sockets in servers:
            certfile, keyfile = stack.enter_context(_tls_files(ca, tls_folder))
            server = make_server(app, certfile, keyfile)
            # uvicorn captures SIGINT/SIGTERM in the main thread; the caller owns them here
            server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
            running.append(server)
            tasks.append(asyncio.create_task(server.serve(sockets=sockets)))
        await stop.wait()
        for server in running:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
