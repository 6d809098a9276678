"""Delivery of one alert: e-mail over SMTP with STARTTLS, and a JSON webhook.

Both verify TLS against the system store or ``pancert_alert_ca_bundle``; e-mail refuses a
relay that does not offer STARTTLS (RFC 3207) rather than send in clear. Webhook bodies carry
``text`` (what Slack, Mattermost, Rocket.Chat and Google Chat display) and the structured
alert under ``pancert``. Error messages name the channel and the failure, never the webhook
URL (it carries the webhook's token) or the SMTP password.
"""

from __future__ import annotations

import json
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Protocol

import httpx

from pancert.errors import PancertError
from pancert.redaction import redact

TIMEOUT_S = 30.0
BACKOFF_S = (2.0, 10.0, 30.0)


class AlertError(PancertError):
    """An alert could not be delivered after its retries."""


@dataclass(frozen=True)
class Alert:
    kind: str
    """``failure``, ``expiring`` or ``success``."""
    key: str
    """Identity for the once-a-day deduplication."""
    subject: str
    lines: tuple[str, ...]
    host: str

    @property
    def text(self) -> str:
        return redact("\n".join((self.subject, "", *self.lines)))

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "pancert": {
                "kind": self.kind,
                "subject": redact(self.subject),
                "lines": [redact(line) for line in self.lines],
                "host": self.host,
            },
        }


class Channel(Protocol):
    name: str

    def send(self, alert: Alert) -> None: ...


def tls_context(ca_bundle: Path | None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_bundle is not None:
        context.load_verify_locations(cafile=str(ca_bundle))
    return context


@dataclass
class EmailChannel:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    user: str | None
    password: str | None
    context: ssl.SSLContext
    name: str = "e-mail"

    def send(self, alert: Alert) -> None:
        message = EmailMessage()
        message["Subject"] = redact(alert.subject)
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=alert.host or None)
        message.set_content(alert.text + "\n")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_S) as smtp:
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise AlertError(
                        f"e-mail: {self.host}:{self.port} does not offer STARTTLS; "
                        "pancert never sends mail (or a password) in clear"
                    )
                smtp.starttls(context=self.context)
                smtp.ehlo()
                if self.user is not None and self.password is not None:
                    smtp.login(self.user, self.password)
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise AlertError(f"e-mail via {self.host}:{self.port}: {_describe(exc)}") from None


@dataclass
class WebhookChannel:
    url: str
    context: ssl.SSLContext
    name: str = "webhook"

    def send(self, alert: Alert) -> None:
        body = json.dumps(alert.as_json()).encode("utf-8")
        try:
            with httpx.Client(verify=self.context, timeout=TIMEOUT_S) as client:
                response = client.post(
                    self.url, content=body, headers={"Content-Type": "application/json"}
                )
        except httpx.HTTPError as exc:
            raise AlertError(f"webhook: {type(exc).__name__}") from None
        if response.status_code >= 300:
            raise AlertError(f"webhook: HTTP {response.status_code}")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code}"
    if isinstance(exc, ssl.SSLError | socket.timeout):
        return f"{type(exc).__name__}: {exc}"
    return redact(f"{type(exc).__name__}: {exc}")


def deliver(
    channel: Channel,
    alert: Alert,
    retries: int,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Send, retrying ``retries`` times with a growing pause; the last failure is raised."""
    for attempt in range(retries + 1):
        try:
            channel.send(alert)
        except AlertError:
            if attempt == retries:
                raise
            sleep(BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)])
        else:
            return
