"""Sandbox firewalls on loopback HTTPS and clients that trust them through the sandbox CA."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from pancert.panos import PanosClient
from pancert.sandbox.ca import SandboxCA
from pancert.sandbox.firewall import Firewall, FirewallFleet, FirewallSettings
from pancert.sandbox.server import LoopbackServer

T = TypeVar("T")


@dataclass
class Sandbox:
    fleet: FirewallFleet
    server: LoopbackServer
    ca_bundle: Path

    @property
    def firewall(self) -> Firewall:
        return self.fleet.firewalls[0]

    @property
    def verify(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_bundle)

    def url(self, index: int = 0) -> str:
        return self.server.urls()[index]

    def run(self, scenario: Callable[[PanosClient], Awaitable[T]], index: int = 0) -> T:
        """Run ``scenario`` with a client of firewall ``index`` (its admin's key)."""
        firewall = self.fleet.firewalls[index]

        async def main() -> T:
            verify = ssl.create_default_context(cafile=self.ca_bundle)
            async with httpx.AsyncClient(verify=verify, timeout=10) as http:
                return await scenario(PanosClient(self.url(index), firewall.api_key, http))

        return asyncio.run(main())


def fast_settings(**overrides: object) -> FirewallSettings:
    settings = FirewallSettings(commit_duration_s=0.05)
    for key, value in overrides.items():
        setattr(settings, key, value)
    return settings


@pytest.fixture
def make_sandbox(sandbox_ca: SandboxCA, ca_bundle: Path) -> Iterator[Callable[..., Sandbox]]:
    servers: list[LoopbackServer] = []

    def make(count: int = 1, **overrides: object) -> Sandbox:
        fleet = FirewallFleet(sandbox_ca, count, settings=fast_settings(**overrides))
        server = LoopbackServer(fleet.app, sandbox_ca, count=count, tls_per_port=True).start()
        servers.append(server)
        fleet.bind(server.ports)
        fleet.attach_tls(server.tls_contexts)
        return Sandbox(fleet, server, ca_bundle)

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return make_sandbox()
