"""Local receivers for alerts: an SMTP server with STARTTLS and login (aiosmtpd) and an HTTPS
webhook endpoint. Both use a server certificate from the sandbox CA, which the agent trusts
only through ``pancert_alert_ca_bundle``."""

from __future__ import annotations

import json
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from pancert.sandbox.ca import SandboxCA


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_context(ca: SandboxCA) -> ssl.SSLContext:
    chain, key = ca.issue_tls_server(("localhost",), ("127.0.0.1",))
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "chain.pem").write_bytes(chain)
        (Path(folder) / "key.pem").write_bytes(key)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(Path(folder) / "chain.pem", Path(folder) / "key.pem")
    return context


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    content: str
    tls: bool
    login: str | None


@dataclass
class SmtpReceiver:
    """aiosmtpd on loopback; with ``tls`` it offers STARTTLS and requires it for AUTH."""

    ca: SandboxCA | None
    user: str = "alerts"
    password: str = "smtp-pass-W0rd-9381"
    mails: list[Mail] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    port: int = field(default_factory=free_port)

    def _auth(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            self.user.encode(),
            self.password.encode(),
        )
        return AuthResult(success=ok, handled=False, auth_data=data.login if ok else None)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        text = content.decode() if isinstance(content, bytes) else str(content)
        login = session.auth_data if session.authenticated else None
        self.mails.append(
            Mail(
                str(envelope.mail_from),
                list(envelope.rcpt_tos),
                text,
                session.ssl is not None,
                login.decode() if isinstance(login, bytes) else None,
            )
        )
        return "250 OK"

    def __enter__(self) -> SmtpReceiver:
        options: dict[str, Any] = {"authenticator": self._auth, "auth_require_tls": True}
        if self.ca is not None:
            options.update(tls_context=server_context(self.ca), require_starttls=True)
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.controller.stop()


@dataclass
class WebhookReceiver:
    """HTTPS on loopback; answers 503 to the next ``fail_next`` requests, then 204."""

    ca: SandboxCA
    fail_next: int = 0
    bodies: list[dict[str, Any]] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    attempts: int = 0

    def __enter__(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.attempts += 1
                if receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.raw.append(body)
                receiver.paths.append(self.path)
                receiver.bodies.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = server_context(self.ca).wrap_socket(
            self.server.socket, server_side=True
        )
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.server.shutdown()
        self.server.server_close()
