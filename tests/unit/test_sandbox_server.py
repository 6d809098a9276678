"""The shared sandbox plumbing: a real HTTPS server on loopback, trusted through the sandbox CA."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from pancert.sandbox.ca import SandboxCA
from pancert.sandbox.server import LoopbackServer


def _app() -> Starlette:
    async def port(request: Request) -> PlainTextResponse:
        server = request.scope["server"]
        assert server is not None
        return PlainTextResponse(str(server[1]))

    return Starlette(routes=[Route("/", port)])


def test_each_socket_is_served_and_tells_its_port(sandbox_ca: SandboxCA, ca_bundle: Path) -> None:
    with LoopbackServer(_app(), sandbox_ca, count=3) as server:
        for url, port in zip(server.urls(), server.ports, strict=True):
            reply = httpx.get(url + "/", verify=ssl.create_default_context(cafile=ca_bundle))
            assert reply.text == str(port)


def test_a_client_trusting_another_ca_refuses_the_sandbox(sandbox_ca: SandboxCA) -> None:
    stranger = ssl.create_default_context(cadata=SandboxCA.create("stranger").bundle_pem().decode())
    with LoopbackServer(_app(), sandbox_ca) as server, pytest.raises(httpx.ConnectError) as caught:
        httpx.get(server.url + "/", verify=stranger)
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
