"""No secret — client secret, password or bearer token — in any exception text or log line."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from pancert.errors import ScmError
from pancert.sandbox.faults import FaultRule
from tests.scm.conftest import Running, enroll_request


def test_no_secret_in_logs_errors_or_urls(scm: Running, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    creds = scm.sandbox.credentials
    messages: list[str] = []

    async def run() -> None:
        for ca in (
            scm.admin(),
            scm.admin(scm.legacy_cred()),
            scm.enrollment(auth_url=None),
        ):
            ref = await ca.enroll(enroll_request())
            await ca.collect(ref.order_id)
            scm.sandbox.expire_tokens()
            await ca.details(ref.order_id)
            scm.sandbox.add_fault(FaultRule("details", "5xx", times=-1))
            scm.sandbox.add_fault(FaultRule("enroll", "reset"))
            for call in (ca.details(ref.order_id), ca.enroll(enroll_request())):
                with pytest.raises(ScmError) as info:
                    await call
                messages.append(str(info.value))
                messages.append(repr(info.value))
            scm.sandbox.faults.clear()
        wrong = [
            scm.admin(scm.admin_cred(client_secret=SecretStr("wrong-admin-secret-1"))),
            scm.admin(scm.legacy_cred(password=SecretStr("wrong-password-2"))),
        ]
        for ca in wrong:
            with pytest.raises(ScmError) as info:
                await ca.enroll(enroll_request())
            messages.append(str(info.value))

    scm.run(run)
    tokens = [
        r["headers"]["authorization"].split()[1]
        for r in scm.sandbox.recorder.records()
        if "authorization" in r["headers"]
    ]
    assert len(set(tokens)) >= 3
    secrets = [
        creds.client_secret,
        creds.password,
        creds.enroll_client_secret,
        "wrong-admin-secret-1",
        "wrong-password-2",
        *tokens,
    ]
    text = "\n".join([*messages, caplog.text])
    assert "SCM" in text
    for secret in secrets:
        assert secret not in text
    for record in scm.sandbox.recorder.records():
        for secret in secrets:
            assert secret not in record["path"]
            assert secret not in record["query"]
