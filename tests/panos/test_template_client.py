"""Template mode against the sandbox Panorama: the key pair reaches the template encrypted,
a placeholder reads as a pending entry, a CSR lost with an earlier process removes the
placeholder, and the signed certificate lands on the entry that holds the key."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509

from pancert.errors import PanosError
from pancert.panos.models import CsrRequest, KeyAlgorithm, Location
from pancert.panos.template import CsrLostError, TemplateClient
from pancert.sandbox.firewall import FirewallSettings
from pancert.sandbox.panorama import TEMPLATE
from pancert.sandbox.world import SandboxWorld

SHARED = Location("shared")
REQUEST = CsrRequest(
    name="gp-portal",
    common_name="portal.example.com",
    algorithm=KeyAlgorithm.EC,
    key_size=256,
    dns_names=("portal.example.com",),
)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SandboxWorld]:
    settings = FirewallSettings(commit_duration_s=0.0)
    with SandboxWorld(tmp_path / "sandbox", firewall_settings=settings) as started:
        yield started


Scenario = Callable[[Callable[[], TemplateClient]], Awaitable[None]]


def _session(world: SandboxWorld, scenario: Scenario) -> None:
    async def main() -> None:
        verify = ssl.create_default_context(cafile=world.ca_bundle)
        async with httpx.AsyncClient(verify=verify, timeout=10) as http:
            url = world.describe()["panorama"]["url"]
            await scenario(lambda: TemplateClient(url, world.panorama.api_key, http, TEMPLATE))

    asyncio.run(main())


@pytest.mark.parametrize("location", [SHARED, Location("vsys1")], ids=["shared", "vsys1"])
def test_key_goes_in_encrypted_and_the_signed_certificate_lands_on_it(
    world: SandboxWorld, location: Location
) -> None:
    async def scenario(new: Callable[[], TemplateClient]) -> None:
        client = new()
        await client.generate_csr(REQUEST, location)
        (entry,) = await client.certificates(location)
        assert entry.pending
        csr = x509.load_pem_x509_csr((await client.export_csr("gp-portal", location)).encode())
        now = dt.datetime.now(dt.UTC)
        leaf = world.ca.sign_csr(
            csr,
            common_name="portal.example.com",
            dns_names=["portal.example.com"],
            not_before=now,
            not_after=now + dt.timedelta(days=30),
        )
        await client.import_certificate("gp-portal", location, world.ca.chain_pem(leaf))
        (signed,) = await client.certificates(location)
        assert signed.has_private_key
        assert signed.common_name == "portal.example.com"

    _session(world, scenario)
    requests = world.panorama.recorder.records()
    imports = [r for r in requests if r["kind"] == "import"]
    assert len(imports) == 2
    # the key travelled encrypted, under a passphrase, into the template only
    assert b"ENCRYPTED PRIVATE KEY" in imports[0]["body"].encode()
    assert b"BEGIN PRIVATE KEY" not in imports[0]["body"].encode()
    assert "target-tpl" in imports[0]["body"]
    assert ("target-tpl-vsys" in imports[0]["body"]) is (not location.is_shared)


def test_a_csr_lost_with_an_earlier_process_removes_the_placeholder(world: SandboxWorld) -> None:
    async def scenario(new: Callable[[], TemplateClient]) -> None:
        await new().generate_csr(REQUEST, SHARED)
        later = new()  # a new process: the CSR lived in the old one's memory
        (entry,) = await later.certificates(SHARED)
        assert entry.pending
        with pytest.raises(CsrLostError):
            await later.export_csr("gp-portal", SHARED)
        assert await later.certificates(SHARED) == []
        with pytest.raises(PanosError):
            await later.export_certificate("gp-portal", SHARED)

    _session(world, scenario)
