"""Fault injection as the agent meets it: over real HTTPS, through the shared middleware."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from pancert.sandbox.ca import SandboxCA
from pancert.sandbox.faults import DropConnectionMiddleware, FaultInjector, FaultRule, Recorder
from pancert.sandbox.server import LoopbackServer


class CountingApp:
    def __init__(self) -> None:
        self.injector = FaultInjector()
        self.recorder = Recorder()
        self.side_effects = 0
        self.app = DropConnectionMiddleware(
            Starlette(routes=[Route("/x", self.x, methods=["POST"])])
        )

    async def x(self, request: Request) -> Response:
        body = await request.body()
        self.recorder.record("x", request, body)

        async def handle() -> Response:
            self.side_effects += 1
            return PlainTextResponse("done")

        return await self.injector.run(
            "x", request, handle, lambda rule: JSONResponse({"code": -1}, rule.status)
        )


@pytest.fixture
def served(
    sandbox_ca: SandboxCA, ca_bundle: Path
) -> Iterator[tuple[CountingApp, httpx.Client, str]]:
    app = CountingApp()
    server = LoopbackServer(app.app, sandbox_ca).start()
    client = httpx.Client(verify=ssl.create_default_context(cafile=ca_bundle), timeout=5)
    yield app, client, server.url + "/x"
    client.close()
    server.stop()


def test_each_fault_fires_the_given_number_of_times(
    served: tuple[CountingApp, httpx.Client, str],
) -> None:
    app, client, url = served
    app.injector.add(FaultRule(kind="x", fault="429", times=2, retry_after=7))
    first, second, third = (client.post(url) for _ in range(3))
    assert (first.status_code, first.headers["retry-after"]) == (429, "7")
    assert second.status_code == 429
    assert third.text == "done"
    assert app.side_effects == 1
    assert app.recorder.counts() == {"x": 3}


def test_reset_aborts_the_connection_without_an_answer(
    served: tuple[CountingApp, httpx.Client, str],
) -> None:
    app, client, url = served
    app.injector.add(FaultRule(kind="*", fault="reset"))
    with pytest.raises(httpx.TransportError):
        client.post(url)
    assert app.side_effects == 0


def test_after_faults_let_the_side_effect_happen_but_lose_the_answer(
    served: tuple[CountingApp, httpx.Client, str],
) -> None:
    app, client, url = served
    app.injector.add(FaultRule(kind="x", fault="reset", when="after"))
    with pytest.raises(httpx.TransportError):
        client.post(url)
    assert app.side_effects == 1


def test_error_uses_the_apps_own_envelope(served: tuple[CountingApp, httpx.Client, str]) -> None:
    app, client, url = served
    app.injector.add_from_json({"kind": "x", "fault": "error", "status": 400})
    reply = client.post(url)
    assert (reply.status_code, reply.json()) == (400, {"code": -1})


def test_kill_sigkills_the_named_process_group(
    served: tuple[CountingApp, httpx.Client, str],
) -> None:
    app, client, url = served
    victim = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True
    )
    app.injector.add(FaultRule(kind="x", fault="kill", pgid=os.getpgid(victim.pid)))
    with pytest.raises(httpx.TransportError):
        client.post(url)
    assert victim.wait(10) == -9


def test_unknown_fault_names_are_refused() -> None:
    with pytest.raises(ValueError, match="allowed"):
        FaultRule(kind="x", fault="explode")  # type: ignore[arg-type]
