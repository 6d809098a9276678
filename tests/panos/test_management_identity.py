"""Binding a new certificate to the management interface changes the TLS identity of the
API itself: the sandbox serves the new certificate from the commit on (dropping the
connection the commit finished on), and the client adopts it only when it is the chain
pancert installed and it verifies against the configured CA."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import ssl
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from pancert.panos import PanosClient, errors, open_client
from pancert.panos.identity import PinStore, TlsIdentity, leaf_fingerprint
from pancert.panos.models import SHARED, ReferenceKind
from pancert.sandbox.ca import SandboxCA
from tests.panos.conftest import Sandbox


def _served_fingerprint(sandbox: Sandbox) -> str:
    host, port = "localhost", int(sandbox.url().rsplit(":", 1)[1])
    context = ssl.create_default_context(cafile=str(sandbox.ca_bundle))
    context.check_hostname = False
    with context.wrap_socket(socket.create_connection((host, port))) as tls:
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return hashlib.sha256(der).hexdigest()


async def _no_wait(_: float) -> None:
    await asyncio.sleep(0.05)


def _seed_management_candidate(sandbox: Sandbox) -> str:
    """A signed certificate for another host name (not ``localhost``), not yet bound."""
    cert = sandbox.firewall.seed_certificate("mgmt-new", dns_names=("fw1.example.test",))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


async def _bind_and_commit(client: PanosClient) -> None:
    reference = await client.binding(ReferenceKind.SSL_TLS_SERVICE_PROFILE, "mgmt-tls", SHARED)
    await client.rebind(reference, "mgmt-new")
    result = await client.commit("admin", "new management certificate")
    assert result.job_id is not None
    await client.wait_for_job(result.job_id, 30, first_delay_s=0, sleep=_no_wait)


def test_the_api_presents_the_new_certificate_and_the_client_adopts_it(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    leaf_pem = _seed_management_candidate(sandbox)
    before = _served_fingerprint(sandbox)
    expected = leaf_fingerprint(leaf_pem)
    assert before != expected

    async def scenario() -> str | None:
        async with open_client(
            sandbox.url(), sandbox.firewall.api_key, ca_bundle=sandbox.ca_bundle, timeout=10
        ) as client:
            client.expect_management_certificate(leaf_pem)
            await _bind_and_commit(client)
            assert await client.certificates(SHARED, running=True)
            assert client.identity is not None
            return client.identity.adopted

    adopted = asyncio.run(scenario())
    assert adopted == expected
    assert _served_fingerprint(sandbox) == expected
    assert sandbox.firewall.management.served == "mgmt-new"
    store = PinStore(tmp_path)
    store.remember("fw1", expected)

    async def later_run() -> str:
        async with open_client(
            sandbox.url(),
            sandbox.firewall.api_key,
            ca_bundle=sandbox.ca_bundle,
            learned_pins=store.learned("fw1"),
        ) as client:
            return await client.version()

    assert asyncio.run(later_run()) == sandbox.firewall.settings.sw_version


def test_without_the_expectation_the_new_identity_is_refused(sandbox: Sandbox) -> None:
    leaf_pem = _seed_management_candidate(sandbox)

    async def scenario() -> None:
        async with open_client(
            sandbox.url(), sandbox.firewall.api_key, ca_bundle=sandbox.ca_bundle, timeout=10
        ) as client:
            with pytest.raises(errors.PanosTransportError):
                await _bind_and_commit(client)

    asyncio.run(scenario())
    assert sandbox.firewall.management.fingerprint == leaf_fingerprint(leaf_pem)

    async def unexpected() -> None:
        async with open_client(
            sandbox.url(), sandbox.firewall.api_key, ca_bundle=sandbox.ca_bundle
        ) as client:
            with pytest.raises(errors.PanosTransportError):
                await client.version()

    asyncio.run(unexpected())


def test_a_pin_of_another_certificate_is_not_adopted(
    sandbox: Sandbox, sandbox_ca: SandboxCA
) -> None:
    _seed_management_candidate(sandbox)
    other, _ = sandbox_ca.issue_tls_server(("elsewhere.example.test",))

    async def scenario() -> None:
        async with open_client(
            sandbox.url(), sandbox.firewall.api_key, ca_bundle=sandbox.ca_bundle, timeout=10
        ) as client:
            client.expect_management_certificate(other)
            with pytest.raises(errors.PanosTransportError, match="nor with the management"):
                await _bind_and_commit(client)
            assert client.identity is not None
            assert client.identity.adopted is None

    asyncio.run(scenario())


def test_a_chain_outside_the_configured_ca_is_not_adopted(sandbox: Sandbox, tmp_path: Path) -> None:
    leaf_pem = _seed_management_candidate(sandbox)
    stranger = SandboxCA.create().write_bundle(tmp_path / "other-ca.pem")
    identity = TlsIdentity(stranger)
    identity.expect(leaf_pem)

    async def scenario() -> None:
        verify = ssl.create_default_context(cafile=str(sandbox.ca_bundle))
        async with httpx.AsyncClient(verify=verify, timeout=10) as http:
            client = PanosClient(sandbox.url(), sandbox.firewall.api_key, http, identity)
            with pytest.raises(errors.PanosTransportError):
                await _bind_and_commit(client)
            await client.transport.aclose()

    asyncio.run(scenario())
    assert identity.adopted is None
