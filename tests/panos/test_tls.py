"""Trusting the firewall: CA bundle, pinned SHA-256 fingerprint (checked in the handshake,
before the key is sent), explicit insecure mode, and the default system store."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import ssl

import pytest

from pancert.panos import errors, open_client
from pancert.panos.tls import build_verify, normalize_fingerprint
from tests.panos.conftest import Sandbox


def _fingerprint(sandbox: Sandbox) -> str:
    pem = ssl.get_server_certificate(("127.0.0.1", sandbox.server.port))
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()


def _version(sandbox: Sandbox, **trust: object) -> str:
    async def main() -> str:
        async with open_client(sandbox.url(), sandbox.firewall.api_key, **trust) as client:  # type: ignore[arg-type]
            return await client.version()

    return asyncio.run(main())


def test_ca_bundle(sandbox: Sandbox) -> None:
    assert _version(sandbox, ca_bundle=sandbox.ca_bundle) == sandbox.firewall.settings.sw_version


def test_pinned_fingerprint_accepts_the_right_certificate(sandbox: Sandbox) -> None:
    pin = ":".join(f"{b:02X}" for b in bytes.fromhex(_fingerprint(sandbox)))
    assert _version(sandbox, fingerprint=pin)


def test_pinned_fingerprint_refuses_another_certificate_before_sending(sandbox: Sandbox) -> None:
    with pytest.raises(errors.PanosTransportError) as caught:
        _version(sandbox, fingerprint="00" * 32)
    assert "pinned fingerprint" in str(caught.value)
    assert sandbox.firewall.recorder.counts() == {}


def test_the_system_store_does_not_trust_the_sandbox(sandbox: Sandbox) -> None:
    with pytest.raises(errors.PanosTransportError):
        _version(sandbox)
    assert sandbox.firewall.recorder.counts() == {}


def test_insecure_is_explicit_and_warned(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="pancert.panos.tls"):
        assert _version(sandbox, insecure=True)
    assert "TLS verification of the firewall is OFF" in caplog.text


def test_build_verify_choices(sandbox: Sandbox) -> None:
    assert build_verify(None, None, True) is False
    default = build_verify(None, None, False)
    assert isinstance(default, ssl.SSLContext)
    assert default.verify_mode == ssl.CERT_REQUIRED
    bundle = build_verify(sandbox.ca_bundle, None, False)
    assert isinstance(bundle, ssl.SSLContext)
    assert bundle.check_hostname


@pytest.mark.parametrize("bad", ["", "abc", "zz" * 32, "00" * 31])
def test_bad_fingerprints_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="64 hexadecimal"):
        normalize_fingerprint(bad)
