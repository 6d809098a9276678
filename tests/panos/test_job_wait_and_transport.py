"""The PAN-OS client's waiting and retrying, at unit level: the job-polling schedule
(src/pancert/panos/jobs.py) with a scripted job and a recording sleep, and the HTTP side
(src/pancert/panos/transport.py) with httpx.MockTransport. The sandbox-backed tests
(test_commit.py, test_management_identity.py) show the same rules against a firewall."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from pancert.panos import jobs
from pancert.panos.errors import (
    AuthenticationError,
    CommitFailedError,
    JobTimeoutError,
    PanosHttpError,
    PanosReplyError,
    PanosTransportError,
    TlsIdentityError,
)
from pancert.panos.models import JobResult
from pancert.panos.transport import Transport, envelope
from pancert.sandbox.ca import SandboxCA

# ---- jobs.wait ----------------------------------------------------------------------------


def act(progress: int = 0) -> JobResult:
    return JobResult(job_id=7, status="ACT", result="PEND", progress=progress)


DONE = JobResult(job_id=7, status="FIN", result="OK", progress=100)


@dataclass
class Job:
    answers: Sequence[JobResult | Exception]
    reads: list[int] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)
    now: float = 0.0

    async def read(self, job_id: int) -> JobResult:
        self.reads.append(job_id)
        answer = self.answers[len(self.reads) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def wait(self, timeout_s: float = 600, **kwargs: object) -> JobResult:
        return asyncio.run(
            jobs.wait(self.read, 7, timeout_s, sleep=self.sleep, clock=lambda: self.now, **kwargs)  # type: ignore[arg-type]
        )


def test_polls_start_at_half_a_second_then_grow_by_half() -> None:
    # 0.5, 0.5, 1, 2 s, then elapsed / 2 + 1 s (src/pancert/panos/jobs.py, next_poll)
    job = Job([act()] * 10 + [DONE])
    assert job.wait() == DONE
    assert job.reads == [7] * 11
    assert job.sleeps == pytest.approx(
        [0.5, 0.5, 1.0, 2.0, 3.0, 4.5, 6.75, 10.125, 15.1875, 22.78125]
    )


def test_a_longer_first_delay_is_kept_and_a_shorter_one_raised_to_a_quarter_second() -> None:
    job = Job([act(), act(), DONE])
    job.wait(first_delay_s=5.0)
    assert job.sleeps == [5.0, 5.0]
    job = Job([act(), DONE])
    job.wait(first_delay_s=0.0)
    assert job.sleeps == [0.25]


def test_a_finished_job_is_not_slept_on() -> None:
    job = Job([DONE])
    assert job.wait() == DONE
    assert job.sleeps == []


def test_a_failed_job_raises_with_its_details() -> None:
    failed = JobResult(7, "FIN", "FAIL", 100, ("line one", "line two"))
    with pytest.raises(CommitFailedError) as caught:
        Job([act(), failed]).wait()
    assert caught.value.job_id == 7
    assert "line one" in str(caught.value)
    assert "line two" in str(caught.value)


def test_the_timeout_bounds_the_time_slept() -> None:
    # 0.5 + 0.5 + 1 = 2 s fits in 2; the next 2 s would not
    job = Job([act()] * 4 + [DONE])
    with pytest.raises(JobTimeoutError) as caught:
        job.wait(timeout_s=2.0)
    assert job.sleeps == [0.5, 0.5, 1.0]
    assert job.reads == [7] * 4
    assert caught.value.job_id == 7
    assert caught.value.waited_s == 2.0
    assert str(caught.value) == "job 7 still running after 2 s"
    # exactly enough time: the poll after the last sleep still counts
    job = Job([act()] * 3 + [DONE])
    assert job.wait(timeout_s=2.0) == DONE


def test_a_dropped_connection_while_rotating_is_one_more_poll() -> None:
    dropped = PanosTransportError("reset")
    job = Job([act(), dropped, DONE])
    assert job.wait(rotating=lambda: True) == DONE
    assert job.sleeps == [0.5, 0.5]
    # not rotating: the drop is a failure
    with pytest.raises(PanosTransportError):
        Job([act(), dropped, DONE]).wait(rotating=lambda: False)
    # the default is "not rotating"
    with pytest.raises(PanosTransportError):
        Job([dropped, DONE]).wait()
    # a TLS identity failure is never ridden out
    with pytest.raises(TlsIdentityError):
        Job([TlsIdentityError("other cert"), DONE]).wait(rotating=lambda: True)


def test_elapsed_time_counts_from_the_first_read_on_any_clock() -> None:
    # time.monotonic has no fixed origin: only differences from the first read count
    job = Job([act()] * 4 + [DONE], now=5000.0)
    job.wait()
    assert job.sleeps == [0.5, 0.5, 1.0, 2.0]


def test_a_drop_says_nothing_of_progress() -> None:
    # The first read drops after a 4 ms round trip. Treated as 0 %, the first wait stays
    # the scheduled 0.5 s; any progress figure would bring it forward (next_poll).
    job = Job([PanosTransportError("reset"), DONE])

    async def slow_read(job_id: int) -> JobResult:
        job.now += 0.004
        return await job.read(job_id)

    asyncio.run(
        jobs.wait(slow_read, 7, 600, sleep=job.sleep, clock=lambda: job.now, rotating=lambda: True)
    )
    assert job.sleeps == [0.5]


# The progress estimate and next_poll's own table: tests/panos/test_job_schedule.py


# ---- Transport -------------------------------------------------------------------------------

URL = "https://fw.example.net/api/"
KEY = SecretStr("LUFRPT1-api-key-value")


def transport_with(handler: object, identity: object = None) -> Transport:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))  # type: ignore[arg-type]
    return Transport(URL, KEY, http, identity)  # type: ignore[arg-type]


def test_the_key_travels_in_a_header_and_the_fields_in_the_body() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text='<response status="success"/>')

    async def go() -> None:
        transport = transport_with(handler)
        response = await transport.send({"type": "op", "cmd": "<show/>"})
        assert response.status_code == 200
        await transport.aclose()
        await transport.http.aclose()

    asyncio.run(go())
    (request,) = seen
    assert (request.method, str(request.url)) == ("POST", URL)
    assert request.headers["X-PAN-KEY"] == KEY.get_secret_value()
    assert KEY.get_secret_value() not in str(request.url)
    assert request.content == b"type=op&cmd=%3Cshow%2F%3E"


@dataclass
class Identity:
    """A hand-written TlsIdentity: says whether a failure may be retried pinned."""

    adoptable: bool
    adopted: str | None = None
    asked: list[BaseException] = field(default_factory=list)

    def can_adopt(self, exc: BaseException) -> bool:
        self.asked.append(exc)
        return self.adoptable

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context()

    def adopt(self, context: ssl.SSLContext) -> None:
        self.adopted = "adopted"


def refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("certificate verify failed", request=request)


@pytest.mark.parametrize("identity", [None, Identity(adoptable=False)], ids=["none", "no-pin"])
def test_an_unreachable_firewall_is_a_transport_error(identity: Identity | None) -> None:
    async def go() -> None:
        transport = transport_with(refuse, identity)
        with pytest.raises(PanosTransportError) as caught:
            await transport.send({"type": "op"})
        assert type(caught.value) is PanosTransportError
        assert str(caught.value) == (f"cannot reach {URL}: ConnectError: certificate verify failed")
        assert transport._owned == []

    asyncio.run(go())
    if identity is not None:
        assert len(identity.asked) == 1


def test_a_pinned_retry_that_fails_too_names_both_failures() -> None:
    identity = Identity(adoptable=True)

    async def go() -> None:
        # nothing listens on port 1: the pinned client's own attempt fails
        http = httpx.AsyncClient(transport=httpx.MockTransport(refuse), timeout=3.0)
        transport = Transport("https://127.0.0.1:1/api/", KEY, http, identity)  # type: ignore[arg-type]
        with pytest.raises(TlsIdentityError) as caught:
            await transport.send({"type": "op"})
        message = str(caught.value)
        assert message.startswith(
            "cannot reach https://127.0.0.1:1/api/: ConnectError: certificate verify failed; "
            "nor with the management certificate pancert installed: ConnectError: "
        )
        (pinned,) = transport._owned
        assert pinned.timeout == httpx.Timeout(3.0)
        assert identity.adopted is None
        assert transport.http is http, "the failed pinned client is not adopted"
        await transport.aclose()
        assert pinned.is_closed

    asyncio.run(go())


def reply(status: int, body: bytes) -> httpx.Response:
    return httpx.Response(status, content=body)


def test_envelope_of_a_success() -> None:
    root = envelope(reply(200, b'<response status="success"><result>x</result></response>'))
    assert root.findtext("result") == "x"


@pytest.mark.parametrize(
    ("response", "error", "text"),
    [
        (reply(502, b"Bad gateway " * 30), PanosHttpError, "PAN-OS answered HTTP 502: "),
        (reply(500, b"<html"), PanosHttpError, "PAN-OS answered HTTP 500: no PAN-OS envelope"),
        (reply(400, b"  <oops"), PanosHttpError, "PAN-OS answered HTTP 400: no PAN-OS envelope"),
        (reply(200, b"not xml"), PanosReplyError, "the reply is not XML"),
        (
            reply(403, b'<response status="error" code="403"><msg>bad key</msg></response>'),
            AuthenticationError,
            "PAN-OS error 403",
        ),
    ],
)
def test_envelope_of_a_failure(response: httpx.Response, error: type[Exception], text: str) -> None:
    with pytest.raises(error) as caught:
        envelope(response)
    assert type(caught.value) is error
    assert str(caught.value).startswith(text)


def test_a_plain_error_body_is_cut_at_200_characters() -> None:
    body = b"x" * 199 + b"yz"
    with pytest.raises(PanosHttpError) as caught:
        envelope(reply(503, body))
    assert str(caught.value) == "PAN-OS answered HTTP 503: " + "x" * 199 + "y"
    assert caught.value.status == 503


def test_an_error_status_with_an_envelope_uses_the_envelope() -> None:
    with pytest.raises(AuthenticationError) as caught:
        envelope(reply(403, b'  <response status="error" code="403"><msg>k</msg></response>'))
    assert caught.value.http_status == 403


@dataclass
class Seen:
    requests: list[bytes] = field(default_factory=list)


async def _serve_once(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Seen
) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    seen.requests.append(head + await reader.readexactly(length))
    body = b'<response status="success"/>'
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nConnection: close\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    writer.close()


def test_a_pinned_retry_that_succeeds_is_adopted(
    sandbox_ca: SandboxCA, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """The configured verification failed and the identity may adopt: the same request goes
    once more through a client that trusts the pinned chain, and that client is kept."""
    caplog.set_level(logging.WARNING, logger="pancert.panos")
    chain, key = sandbox_ca.issue_tls_server()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    folder = tmp_path
    (folder / "chain.pem").write_bytes(chain)
    (folder / "key.pem").write_bytes(key)
    server_ctx.load_cert_chain(folder / "chain.pem", folder / "key.pem")
    pinned_ctx = ssl.create_default_context(cadata=sandbox_ca.bundle_pem().decode())

    @dataclass
    class Pinning(Identity):
        contexts: list[ssl.SSLContext | None] = field(default_factory=list)

        def context(self) -> ssl.SSLContext:
            return pinned_ctx

        def adopt(self, context: ssl.SSLContext) -> None:
            self.contexts.append(context)
            self.adopted = "ab" * 32

    identity = Pinning(adoptable=True)
    seen = Seen()

    async def go() -> None:
        server = await asyncio.start_server(
            lambda r, w: _serve_once(r, w, seen), "127.0.0.1", 0, ssl=server_ctx
        )
        port = server.sockets[0].getsockname()[1]
        url = f"https://127.0.0.1:{port}/api/"
        http = httpx.AsyncClient(transport=httpx.MockTransport(refuse), timeout=4.0)
        transport = Transport(url, KEY, http, identity)  # type: ignore[arg-type]
        files = {"file": ("new.pem", b"PEM-BYTES", "application/octet-stream")}
        response = await transport.send({"type": "import"}, files)
        assert response.status_code == 200
        (pinned,) = transport._owned
        assert transport.http is pinned
        assert pinned.timeout == httpx.Timeout(4.0)
        assert identity.contexts == [pinned_ctx]
        # from now on the pinned client is the one used: no second adoption
        await transport.send({"type": "op"})
        assert transport._owned == [pinned]
        await transport.aclose()
        assert pinned.is_closed
        await http.aclose()
        server.close()
        await server.wait_closed()
        assert caplog.messages == [
            f"{url}: the firewall now presents the management certificate pancert installed "
            f"(SHA-256 {'ab' * 32}); trusting it from now on"
        ]

    asyncio.run(go())
    first, second = seen.requests
    assert first.startswith(b"POST /api/ HTTP/1.1\r\n")
    assert f"x-pan-key: {KEY.get_secret_value()}".lower().encode() in first.lower()
    assert b'name="type"\r\n\r\nimport\r\n' in first
    assert b'filename="new.pem"' in first
    assert b"PEM-BYTES" in first
    assert second.endswith(b"type=op")


def test_files_are_sent_and_the_failure_itself_is_judged() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    async def go() -> None:
        transport = transport_with(handler)
        await transport.send({"type": "import"}, {"file": ("c.pem", b"PEM-BYTES", "text/plain")})
        await transport.http.aclose()

    asyncio.run(go())
    assert b"PEM-BYTES" in seen[0].read()
    identity = Identity(adoptable=False)

    async def failing() -> None:
        transport = transport_with(refuse, identity)
        with pytest.raises(PanosTransportError):
            await transport.send({"type": "op"})

    asyncio.run(failing())
    (asked,) = identity.asked
    assert isinstance(asked, httpx.ConnectError)


def test_a_plain_400_and_an_undecodable_body() -> None:
    with pytest.raises(PanosHttpError) as caught:
        envelope(reply(400, b"bad request"))
    assert str(caught.value) == "PAN-OS answered HTTP 400: bad request"
    with pytest.raises(PanosHttpError) as caught:
        envelope(reply(500, b"\xff oops"))
    assert str(caught.value) == "PAN-OS answered HTTP 500: \ufffd oops"
