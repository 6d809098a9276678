"""The SCM client's retry rules, call by call (src/pancert/scm/_http.py).

Unit level: a scripted server (httpx.MockTransport), a recording sleep and jitter pinned
to one end of its range, so every count and every delay is exact. The rules themselves
are stated in the module's docstring; each test names the one it checks."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import logging
import random
import time
from dataclasses import dataclass, field

import httpx
import pytest

from pancert.scm._http import (
    RetryPolicy,
    ScmHttp,
    error_envelope,
    json_of,
    retry_after_seconds,
)
from pancert.scm.auth import OAuthClientCredentials
from pancert.scm.errors import (
    ScmAuthError,
    ScmNotSent,
    ScmOutcomeUnknown,
    ScmProtocolError,
    ScmRateLimited,
    ScmRequestRejected,
    ScmServerError,
    ScmTransportError,
    ScmValidationError,
)

BASE = "https://scm.example.net/api"
Answer = httpx.Response | Exception


@dataclass
class Auth:
    """A hand-written Authenticator: static headers, counting what the client asks of it."""

    oauth: bool = False
    fail_first: int = 0
    invalidated: int = 0
    challenges: list[str] = field(default_factory=list)
    asked: int = 0

    async def headers(self) -> dict[str, str]:
        self.asked += 1
        if self.asked <= self.fail_first:
            raise ScmNotSent("no token from the auth server", operation="token")
        return {"authorization": f"Bearer token-{self.invalidated}"}

    def invalidate(self) -> None:
        self.invalidated += 1

    def learn_challenge(self, www_authenticate: str) -> None:
        self.challenges.append(www_authenticate)


@dataclass
class Server:
    answers: list[Answer]
    seen: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def top_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Jitter at the top of its range: the delay is the full backoff."""
    monkeypatch.setattr(random, "uniform", lambda low, high: high)


def scm_error(status: int, code: int, description: str = "") -> httpx.Response:
    return httpx.Response(status, json={"code": code, "description": description})


def run(
    answers: list[Answer],
    *,
    idempotent: bool = True,
    auth: Auth | None = None,
    attempts: int = 4,
    base: float = 0.5,
    cap: float = 30.0,
    operation: str = "details",
) -> tuple[httpx.Response | BaseException, Server, list[float]]:
    server = Server(list(answers))
    sleeps: list[float] = []

    async def sleep(delay: float) -> None:
        sleeps.append(delay)

    async def go() -> httpx.Response:
        client = httpx.AsyncClient(transport=httpx.MockTransport(server.handle))
        http = ScmHttp(
            client,
            BASE + "/",
            auth or Auth(),
            retry=RetryPolicy(attempts=attempts, base_delay_s=base, max_delay_s=cap, sleep=sleep),
            probe_path="/probe",
            owns_client=True,
        )
        try:
            return await http.request(
                operation, "POST" if not idempotent else "GET", "/v1/x", idempotent=idempotent
            )
        finally:
            await http.aclose()
            assert client.is_closed

    try:
        result: httpx.Response | BaseException = asyncio.run(go())
    except Exception as exc:
        result = exc
    return result, server, sleeps


OK = httpx.Response(200, json={"status": "Issued"})


@pytest.mark.usefixtures("top_jitter")
def test_idempotent_5xx_backs_off_doubling_until_it_succeeds() -> None:
    result, server, sleeps = run([httpx.Response(503), httpx.Response(502), OK])
    assert isinstance(result, httpx.Response)
    assert result.status_code == 200
    assert len(server.seen) == 3
    assert sleeps == [0.5, 1.0]
    assert str(server.seen[0].url) == "https://scm.example.net/api/v1/x"
    assert server.seen[0].headers["authorization"] == "Bearer token-0"


@pytest.mark.usefixtures("top_jitter")
def test_retries_stop_after_the_attempts_and_the_last_answer_is_raised() -> None:
    result, server, sleeps = run([scm_error(503, -2, "internal error")])
    assert isinstance(result, ScmServerError)
    assert len(server.seen) == 4
    assert sleeps == [0.5, 1.0, 2.0]
    assert str(result) == "SCM details failed (HTTP 503 code -2): internal error"


@pytest.mark.usefixtures("top_jitter")
def test_backoff_is_capped() -> None:
    _, _, sleeps = run([httpx.Response(500)], attempts=5, base=10.0, cap=30.0)
    assert sleeps == [10.0, 20.0, 30.0, 30.0]


def test_jitter_takes_between_half_and_all_of_the_backoff(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ranges: list[tuple[float, float]] = []

    def low(a: float, b: float) -> float:
        ranges.append((a, b))
        return a

    monkeypatch.setattr(random, "uniform", low)
    _, _, sleeps = run([httpx.Response(500)], attempts=3)
    assert sleeps == [0.25, 0.5]
    assert ranges == [(0.5, 1.0), (0.5, 1.0)]


def test_the_default_policy() -> None:
    policy = RetryPolicy()
    assert (policy.attempts, policy.base_delay_s, policy.max_delay_s) == (4, 0.5, 30.0)
    assert policy.max_retry_after_s == 120.0
    assert policy.sleep is asyncio.sleep


def test_429_waits_what_retry_after_says_even_for_enroll() -> None:
    limited = httpx.Response(429, headers={"Retry-After": "7"})
    result, server, sleeps = run([limited, OK], idempotent=False, operation="enroll")
    assert isinstance(result, httpx.Response)
    assert len(server.seen) == 2
    assert sleeps == [7.0]


def test_a_retry_after_up_to_the_limit_is_waited_and_a_longer_one_raised() -> None:
    at_limit = httpx.Response(429, headers={"Retry-After": "120"})
    result, _, sleeps = run([at_limit, OK])
    assert isinstance(result, httpx.Response)
    assert sleeps == [120.0]
    too_long = httpx.Response(429, headers={"Retry-After": "121"}, json={"description": "slow"})
    result, server, sleeps = run([too_long, OK])
    assert isinstance(result, ScmRateLimited)
    assert (result.retry_after, len(server.seen), sleeps) == (121.0, 1, [])
    assert str(result) == 'SCM details failed (HTTP 429): {"description":"slow"}'


def test_429_on_the_last_attempt_is_raised() -> None:
    limited = httpx.Response(429, headers={"Retry-After": "1"})
    result, server, sleeps = run([limited], attempts=2)
    assert isinstance(result, ScmRateLimited)
    assert (len(server.seen), sleeps) == (2, [1.0])


@pytest.mark.usefixtures("top_jitter")
def test_a_429_without_retry_after_backs_off() -> None:
    result, _, sleeps = run([httpx.Response(429), OK])
    assert isinstance(result, httpx.Response)
    assert sleeps == [0.5]


def test_a_5xx_after_enroll_is_an_unknown_outcome_at_once() -> None:
    result, server, sleeps = run(
        [scm_error(503, -2, "busy"), OK], idempotent=False, operation="enroll"
    )
    assert isinstance(result, ScmOutcomeUnknown)
    assert (len(server.seen), sleeps) == (1, [])
    assert str(result) == "SCM enroll: HTTP 503 (busy); the request may have been processed"
    assert result.operation == "enroll"


@pytest.mark.usefixtures("top_jitter")
def test_try_again_later_codes_on_a_4xx() -> None:
    # -140 and -618 say nothing was done: even enroll repeats
    for code in (-140, -618):
        result, server, sleeps = run(
            [scm_error(400, code), OK], idempotent=False, operation="enroll"
        )
        assert isinstance(result, httpx.Response), code
        assert (len(server.seen), sleeps) == (2, [0.5])
    # -2 and -195 may come after processing: enroll stops, a read repeats
    for code in (-2, -195):
        result, server, _ = run([scm_error(400, code, "later"), OK], idempotent=False)
        assert isinstance(result, ScmOutcomeUnknown), code
        assert str(result) == (
            f"SCM details: code {code} (later); the request may have been processed"
        )
        assert len(server.seen) == 1
        result, server, _ = run([scm_error(400, code), OK])
        assert isinstance(result, httpx.Response)
        assert len(server.seen) == 2
    # any other 4xx code is final
    result, server, sleeps = run([scm_error(400, -7, "missing field"), OK])
    assert isinstance(result, ScmRequestRejected)
    assert (len(server.seen), sleeps) == (1, [])
    # a try-again-later code on the last attempt is raised
    result, server, _ = run([scm_error(400, -140)], attempts=2)
    assert isinstance(result, ScmServerError)
    assert len(server.seen) == 2


@pytest.mark.usefixtures("top_jitter")
def test_a_refused_connection_is_retried_then_not_sent() -> None:
    refused = httpx.ConnectError("refused")
    result, server, sleeps = run([refused, OK], idempotent=False, operation="enroll")
    assert isinstance(result, httpx.Response)
    assert (len(server.seen), sleeps) == (2, [0.5])
    result, server, sleeps = run([refused], idempotent=False, operation="enroll", attempts=3)
    assert isinstance(result, ScmNotSent)
    assert (len(server.seen), sleeps) == (3, [0.5, 1.0])
    assert str(result) == (
        "SCM enroll: cannot connect to https://scm.example.net/api (ConnectError)"
    )


@pytest.mark.usefixtures("top_jitter")
def test_no_answer_after_sending() -> None:
    lost = httpx.ReadTimeout("lost")
    # a read is repeated, then given up as a transport error
    result, server, sleeps = run([lost, OK])
    assert isinstance(result, httpx.Response)
    assert sleeps == [0.5]
    result, server, sleeps = run([lost], attempts=2)
    assert type(result) is ScmTransportError
    assert (len(server.seen), sleeps) == (2, [0.5])
    assert str(result) == "SCM details: no answer from https://scm.example.net/api (ReadTimeout)"
    # an order may have been placed: never repeated
    result, server, sleeps = run([lost, OK], idempotent=False, operation="enroll")
    assert isinstance(result, ScmOutcomeUnknown)
    assert (len(server.seen), sleeps) == (1, [])
    assert str(result) == (
        "SCM enroll: no answer after sending (ReadTimeout); the request may have been processed"
    )


def test_a_401_fetches_one_fresh_token_then_stands() -> None:
    auth = Auth(oauth=True)
    refused = httpx.Response(
        401, headers={"WWW-Authenticate": 'Bearer authorization_uri="https://a"'}
    )
    result, server, sleeps = run([refused, OK], auth=auth, attempts=1)
    assert isinstance(result, httpx.Response), "the fresh-token try is not an attempt"
    assert (len(server.seen), sleeps, auth.invalidated) == (2, [], 1)
    assert auth.challenges == ['Bearer authorization_uri="https://a"']
    assert server.seen[1].headers["authorization"] == "Bearer token-1"
    auth = Auth(oauth=True)
    result, server, _ = run([scm_error(401, -16, "Unknown user")], auth=auth)
    assert isinstance(result, ScmAuthError)
    assert (len(server.seen), auth.invalidated) == (2, 1)
    # legacy headers cannot be refreshed: the first 401 stands
    auth = Auth(oauth=False)
    result, server, _ = run([scm_error(401, -16), OK], auth=auth)
    assert isinstance(result, ScmAuthError)
    assert (len(server.seen), auth.invalidated) == (1, 0)


@pytest.mark.usefixtures("top_jitter")
def test_no_token_is_retried_then_raised() -> None:
    result, server, sleeps = run([OK], auth=Auth(fail_first=2), attempts=3)
    assert isinstance(result, httpx.Response)
    assert (len(server.seen), sleeps) == (1, [0.5, 1.0])
    result, server, sleeps = run([OK], auth=Auth(fail_first=3), attempts=3)
    assert isinstance(result, ScmNotSent)
    assert (len(server.seen), sleeps) == (0, [0.5, 1.0])


def test_each_pause_is_logged_with_its_reason(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="pancert.scm")
    limited = httpx.Response(429, headers={"Retry-After": "3"})
    run([limited, OK])
    assert [r.getMessage() for r in caplog.records] == ["SCM details: HTTP 429, retrying in 3.0 s"]


def test_no_more_than_max_in_flight_requests_at_once() -> None:
    active, peak = 0, 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.01)
        active -= 1
        return httpx.Response(200)

    async def go() -> None:
        client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        http = ScmHttp(
            client,
            BASE,
            Auth(),
            retry=RetryPolicy(),
            probe_path="/p",
            owns_client=False,
            max_in_flight=2,
        )
        await asyncio.gather(
            *(http.request("list", "GET", "/v1/x", idempotent=True) for _ in range(6))
        )
        await http.aclose()
        assert not client.is_closed, "a shared client is left open"
        await client.aclose()

    asyncio.run(go())
    assert peak == 2


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, None),
        ("", None),
        (" 5 ", 5.0),
        ("2.5", 2.5),
        ("-3", 0.0),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
)
def test_retry_after_values(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value) == seconds


def test_retry_after_as_a_future_http_date() -> None:
    when = email.utils.formatdate(time.time() + 3600, usegmt=True)
    seconds = retry_after_seconds(when)
    assert seconds is not None
    assert 3590 < seconds <= 3600


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (httpx.Response(400, json={"code": -7, "description": "bad"}), (-7, "bad")),
        (httpx.Response(400, json={"code": "-7"}), (-7, "")),
        (httpx.Response(400, json={"code": "x", "description": "d"}), (None, "d")),
        (httpx.Response(400, json={"code": None, "description": None}), (None, "")),
        (httpx.Response(400, json={"message": "no code"}), (None, '{"message":"no code"}')),
        (httpx.Response(503, text="  down for maintenance  "), (None, "down for maintenance")),
        (httpx.Response(503, text="x" * 300), (None, "x" * 200)),
        (httpx.Response(503, content=b"\xff\xfe"), (None, "Service Unavailable")),
        (httpx.Response(599, content=b"body without a type"), (None, "HTTP 599")),
        (httpx.Response(502, text="   "), (None, "Bad Gateway")),
    ],
)
def test_the_error_envelope(response: httpx.Response, expected: tuple[int | None, str]) -> None:
    assert error_envelope(response) == expected


def test_an_answer_that_is_not_json() -> None:
    with pytest.raises(ScmProtocolError) as caught:
        json_of(httpx.Response(200, text="<html>"), "details")
    assert str(caught.value) == "SCM details: the answer is not JSON"
    assert caught.value.http_status == 200
    assert json_of(httpx.Response(200, json={"a": [1]}), "details") == {"a": [1]}


@pytest.mark.usefixtures("top_jitter")
def test_the_fresh_token_try_does_not_use_up_an_attempt() -> None:
    """After a 401 and one fresh token, the call still has all its attempts, no more."""
    unauthorized = httpx.Response(401)
    result, server, sleeps = run(
        [unauthorized, httpx.Response(503), OK], auth=Auth(oauth=True), attempts=2
    )
    assert isinstance(result, httpx.Response)
    assert (len(server.seen), sleeps) == (3, [0.5])
    result, server, sleeps = run(
        [unauthorized, httpx.Response(503), httpx.Response(503), OK],
        auth=Auth(oauth=True),
        attempts=2,
    )
    assert isinstance(result, ScmServerError)
    assert (len(server.seen), sleeps) == (3, [0.5])


def test_a_401_without_a_challenge_is_passed_on_as_empty() -> None:
    auth = Auth(oauth=True)
    run([httpx.Response(401), OK], auth=auth)
    assert auth.challenges == [""]


@pytest.mark.usefixtures("top_jitter")
def test_why_each_retry_happens_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="pancert.scm")
    run([OK], auth=Auth(fail_first=1))
    run([httpx.ConnectError("refused"), OK], operation="collect")
    assert caplog.messages == [
        "SCM details: no token from the auth server, retrying in 0.5 s",
        "SCM collect: no connection, retrying in 0.5 s",
    ]


def test_the_body_and_the_query_are_sent() -> None:
    server = Server([OK])

    async def go() -> None:
        client = httpx.AsyncClient(transport=httpx.MockTransport(server.handle))
        http = ScmHttp(
            client,
            "https://scm.example.net/BOX//",
            Auth(),
            retry=RetryPolicy(),
            probe_path="/p",
            owns_client=True,
        )
        await http.request(
            "enroll",
            "POST",
            "/v1/enroll",
            idempotent=False,
            json_body={"csr": "PEM"},
            params={"size": 5},
            headers={"x-extra": "1"},
        )
        await http.aclose()

    asyncio.run(go())
    (request,) = server.seen
    assert str(request.url) == "https://scm.example.net/BOX/v1/enroll?size=5"
    assert request.content == b'{"csr":"PEM"}'
    assert request.headers["x-extra"] == "1"
    assert request.headers["authorization"] == "Bearer token-0"


def test_a_validation_refusal_names_the_domains() -> None:
    server = Server([scm_error(400, -107, "DCV incomplete")])

    async def go() -> BaseException:
        client = httpx.AsyncClient(transport=httpx.MockTransport(server.handle))
        http = ScmHttp(client, BASE, Auth(), retry=RetryPolicy(), probe_path="/p", owns_client=True)
        with pytest.raises(ScmValidationError) as caught:
            await http.request(
                "enroll", "POST", "/v1/e", idempotent=False, domains=("a.example", "b.example")
            )
        await http.aclose()
        return caught.value

    error = asyncio.run(go())
    assert str(error) == (
        "SCM refused the order: validation is missing for a.example, b.example; validate in "
        "SCM (code -107: DCV incomplete)"
    )


@pytest.mark.parametrize("operation", ["enroll", "renew"])
def test_each_error_carries_its_operation(operation: str) -> None:
    answers: list[list[Answer]] = [
        [httpx.ConnectError("refused")],
        [httpx.ReadTimeout("lost")],
        [scm_error(400, -2)],
        [httpx.Response(503)],
    ]
    for answer in answers:
        result, _, _ = run(answer, idempotent=False, operation=operation, attempts=1)
        assert isinstance(result, ScmNotSent | ScmOutcomeUnknown | ScmServerError), answer
        assert result.operation == operation
    result, _, _ = run([httpx.ReadTimeout("lost")], operation=operation, attempts=1)
    assert isinstance(result, ScmTransportError)
    assert result.operation == operation


def _discovering(server: Server) -> tuple[ScmHttp, httpx.AsyncClient]:
    client = httpx.AsyncClient(transport=httpx.MockTransport(server.handle))
    auth = OAuthClientCredentials(
        client,
        client_id="id",
        client_secret="discovery-secret-1234",
        token_url=None,
        clock=lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    http = ScmHttp(
        client,
        BASE,
        auth,
        retry=RetryPolicy(attempts=1),
        probe_path="/v1/probe",
        owns_client=True,
    )
    return http, client


class Discovery(Server):
    """SCM answers an unauthenticated probe with a challenge naming its auth server."""

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.url.path == "/api/v1/probe":
            challenge = 'Bearer authorization_uri="https://auth.example.net/realms/r"'
            return httpx.Response(401, headers={"WWW-Authenticate": challenge})
        if request.url.host == "auth.example.net":
            return httpx.Response(200, json={"access_token": "t" * 24, "expires_in": 300})
        return OK


def test_the_token_url_is_learned_from_an_unauthenticated_probe() -> None:
    server = Discovery([OK])

    async def go() -> None:
        http, _ = _discovering(server)
        await http.request("details", "GET", "/v1/x", idempotent=True)
        await http.aclose()

    asyncio.run(go())
    assert [str(r.url) for r in server.seen] == [
        "https://scm.example.net/api/v1/probe",
        "https://auth.example.net/realms/r/protocol/openid-connect/token",
        "https://scm.example.net/api/v1/x",
    ]
    assert "authorization" not in server.seen[0].headers


def test_an_unreachable_probe_is_not_sent() -> None:
    server = Server([httpx.ConnectError("refused")])

    async def go() -> BaseException:
        http, _ = _discovering(server)
        with pytest.raises(ScmNotSent) as caught:
            await http.request("details", "GET", "/v1/x", idempotent=True)
        await http.aclose()
        return caught.value

    error = asyncio.run(go())
    assert str(error) == "cannot reach SCM at https://scm.example.net/api: ConnectError"
    assert isinstance(error, ScmNotSent)
    assert error.operation == "probe"


class SilentProbe(Discovery):
    """The probe's 401 names no auth server: the documented token URL is used."""

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/probe":
            self.seen.append(request)
            return httpx.Response(401)
        if request.url.host == "auth.sso.sectigo.com":
            self.seen.append(request)
            return httpx.Response(200, json={"access_token": "t" * 24, "expires_in": 300})
        return super().handle(request)


def test_a_probe_without_a_challenge_falls_back_to_the_documented_token_url() -> None:
    server = SilentProbe([OK])

    async def go() -> None:
        http, _ = _discovering(server)
        await http.request("details", "GET", "/v1/x", idempotent=True)
        await http.aclose()

    asyncio.run(go())
    assert [str(r.url) for r in server.seen] == [
        "https://scm.example.net/api/v1/probe",
        "https://auth.sso.sectigo.com/auth/realms/apiclients/protocol/openid-connect/token",
        "https://scm.example.net/api/v1/x",
    ]
