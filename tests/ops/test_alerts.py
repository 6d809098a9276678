"""Alerts, delivered for real: e-mail through aiosmtpd with STARTTLS and login, and an HTTPS
webhook receiver; both trusted through pancert_alert_ca_bundle only."""

from __future__ import annotations

import datetime as dt
import json
from email import message_from_string
from pathlib import Path

import pytest

from pancert.config import load_config
from pancert.ops.alerts import send_alerts
from pancert.ops.channels import Alert, AlertError, EmailChannel, deliver, tls_context
from pancert.ops.runlog import RunLog
from pancert.sandbox.faults import FaultRule
from pancert.sandbox.world import DEMO_PROFILES, SandboxWorld
from tests.e2e.conftest import Agent, configure
from tests.ops.receivers import SmtpReceiver, WebhookReceiver

TOKEN = "T0KEN-hook-5ecret-77"


def alerting_agent(
    world: SandboxWorld, smtp: SmtpReceiver, hook: WebhookReceiver, **extra: object
) -> Agent:
    return configure(
        world,
        *DEMO_PROFILES,
        pancert_metrics_dir="off",
        pancert_alert_email_to="ops@example.org, pki@example.org",
        pancert_alert_email_from="pancert@example.org",
        pancert_alert_smtp_host="localhost",
        pancert_alert_smtp_port=smtp.port,
        pancert_alert_smtp_user=smtp.user,
        pancert_alert_smtp_password=smtp.password,
        pancert_alert_webhook_url=f"https://localhost:{hook.port}/hooks/{TOKEN}",
        pancert_alert_ca_bundle=str(world.ca_bundle),
        **extra,
    )


def secrets_of(world: SandboxWorld, smtp: SmtpReceiver) -> list[str]:
    creds = world.scm.credentials
    found = [smtp.password, TOKEN, creds.enroll_client_secret, creds.password]
    return found + [fw.api_key for fw in world.fleet.firewalls]


def test_alerts_reach_both_channels_once_a_day_and_never_carry_a_secret(
    world: SandboxWorld,
) -> None:
    with SmtpReceiver(world.ca) as smtp, WebhookReceiver(world.ca) as hook:
        # certificates the sandbox issues run ~200 days: a 400-day alarm window catches them
        agent = alerting_agent(
            world, smtp, hook, pancert_alert_window=400, pancert_alert_on_success=True
        )
        first = agent("renew")
        assert first.code == 0, first.text
        subjects = [m["pancert"]["subject"] for m in hook.bodies]
        assert sum("succeeded" in s for s in subjects) == 1
        assert sum("expires in" in s for s in subjects) == 3
        assert len(smtp.mails) == 4
        mail = smtp.mails[0]
        assert mail.tls
        assert mail.login == smtp.user
        assert mail.recipients == ["ops@example.org", "pki@example.org"]
        assert hook.paths == [f"/hooks/{TOKEN}"] * 4
        assert all(body["text"].startswith(body["pancert"]["subject"]) for body in hook.bodies)

        # a second run the same day rotates nothing: it says so, once; the certificates'
        # expiry was already said today
        assert agent("renew").code == 0
        assert len(hook.bodies) == 5
        assert len(smtp.mails) == 5
        assert "succeeded" in hook.bodies[-1]["pancert"]["subject"]
        assert agent("renew").code == 0
        assert len(hook.bodies) == 5
        assert len(smtp.mails) == 5

        # a failed run: one alert per channel naming the pair, the step and the error;
        # the webhook's first answer is a 503, so delivery is retried
        world.scm.faults.add(FaultRule(kind="enroll", fault="5xx", times=-1))
        hook.fail_next = 1
        failed = agent("renew", "--force", "-p", "web")
        assert failed.code == 1
        failure = [b for b in hook.bodies if b["pancert"]["kind"] == "failure"]
        assert len(failure) == 1
        assert "web on fw_sandbox1: failed at order" in failure[0]["text"]
        assert hook.attempts == 7  # 5 earlier, then the 503 and its retry
        mails = [message_from_string(m.content) for m in smtp.mails]
        assert sum("failed" in str(m["Subject"]) for m in mails) == 1
        everything = [m.content for m in smtp.mails] + [b.decode() for b in hook.raw]
        log = (agent.config.parent / "logs" / "pancert.log").read_text()
        for secret in secrets_of(world, smtp):
            assert all(secret not in text for text in everything)
            assert secret not in failed.text
            assert secret not in log
        sent = json.loads((agent.state / "ops" / "alerts-sent.json").read_text())
        assert len(sent) == 2 * 6


def test_a_relay_without_starttls_gets_no_mail_and_no_password(world: SandboxWorld) -> None:
    with SmtpReceiver(None) as smtp:
        channel = EmailChannel(
            host="127.0.0.1",
            port=smtp.port,
            sender="pancert@example.org",
            recipients=("ops@example.org",),
            user=smtp.user,
            password=smtp.password,
            context=tls_context(world.ca_bundle),
        )
        alert = Alert("failure", "k", "subject", ("line",), "host")
        with pytest.raises(AlertError, match="does not offer STARTTLS"):
            channel.send(alert)
        assert smtp.mails == []


def test_an_untrusted_relay_certificate_is_refused(world: SandboxWorld) -> None:
    with SmtpReceiver(world.ca) as smtp:
        channel = EmailChannel(
            "localhost",
            smtp.port,
            "a@example.org",
            ("b@example.org",),
            None,
            None,
            tls_context(None),  # the system store does not trust the sandbox CA
        )
        with pytest.raises(AlertError, match="SSL"):
            channel.send(Alert("failure", "k", "s", ("l",), "h"))
        assert smtp.mails == []


class FlakyChannel:
    """Fails ``failures`` times, then delivers."""

    name = "flaky"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[Alert] = []

    def send(self, alert: Alert) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise AlertError("flaky: down")
        self.sent.append(alert)


def test_delivery_retries_then_gives_up_with_the_last_error() -> None:
    pauses: list[float] = []
    alert = Alert("failure", "k", "s", ("l",), "h")
    channel = FlakyChannel(failures=2)
    deliver(channel, alert, retries=2, sleep=pauses.append)
    assert channel.sent == [alert]
    assert len(pauses) == 2
    down = FlakyChannel(failures=5)
    with pytest.raises(AlertError, match="flaky: down"):
        deliver(down, alert, retries=3, sleep=pauses.append)
    assert down.sent == []
    assert down.failures == 1


def test_an_undelivered_alert_is_tried_again_by_the_next_run(
    world: SandboxWorld, tmp_path: Path
) -> None:
    with SmtpReceiver(world.ca) as smtp, WebhookReceiver(world.ca) as hook:
        agent = alerting_agent(world, smtp, hook, pancert_alert_retries=0)
        loaded = load_config(str(agent.config))
        now = dt.datetime.now(dt.UTC)
        runlog = RunLog(mode="renew", started_at=now, finished_at=now, exit_code=1, error="boom")
        hook.fail_next = 1
        with pytest.raises(AlertError, match="webhook: HTTP 503") as caught:
            send_alerts(loaded, runlog, now, sleep=lambda _: None)
        assert TOKEN not in str(caught.value)
        assert len(smtp.mails) == 1
        assert hook.bodies == []
        delivered = send_alerts(loaded, runlog, now, sleep=lambda _: None)
        assert [name for name, _ in delivered] == ["webhook"]
        assert send_alerts(loaded, runlog, now + dt.timedelta(hours=1)) == []
        tomorrow = send_alerts(loaded, runlog, now + dt.timedelta(days=1))
        assert sorted(name for name, _ in tomorrow) == ["e-mail", "webhook"]
