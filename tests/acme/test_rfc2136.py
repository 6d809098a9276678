"""DNS-01 through RFC 2136 UPDATE with TSIG, against a real (small) DNS server on loopback."""

from __future__ import annotations

import base64
from pathlib import Path

import dns.name
import pytest

from pancert.acme.dns01 import Rfc2136Publisher, wait_visible
from pancert.acme.errors import AcmeChallengeError
from pancert.config.acme import AcmeCredential

from .dnsserver import DnsServer, TxtZone

SECRET = base64.b64encode(b"tsig-secret-for-the-test-zone!!!").decode()
FQDN = "_acme-challenge.vpn.example.net."


def credential(tmp_path: Path, port: int, secret: str = SECRET) -> AcmeCredential:
    return AcmeCredential.model_validate(
        {
            "kind": "acme",
            "acme_directory_url": "https://acme.example/dir",
            "acme_challenge": "dns-01-rfc2136",
            "acme_rfc2136_server": f"127.0.0.1:{port}",
            "acme_rfc2136_zone": "example.net",
            "acme_tsig_key_name": "pancert-key",
            "acme_tsig_secret": secret,
            "acme_dns_servers": [f"127.0.0.1:{port}"],
            "label": "LE",
            "source": tmp_path / "c.yaml",
        },
        context={"base": tmp_path},
    )


def test_signed_update_publishes_then_removes_the_record(tmp_path: Path) -> None:
    zone = TxtZone("example.net.", "pancert-key", SECRET)
    with DnsServer(zone) as server:
        publisher = Rfc2136Publisher(credential(tmp_path, server.port))
        publisher.add(FQDN, "digest-value")
        wait_visible(FQDN, "digest-value", [("127.0.0.1", server.port)], 5)
        publisher.delete(FQDN, "digest-value")
        with pytest.raises(AcmeChallengeError, match=r"not visible on 127\.0\.0\.1"):
            wait_visible(FQDN, "digest-value", [("127.0.0.1", server.port)], 0.6)


def test_a_wrong_tsig_secret_is_refused_with_the_remedy(tmp_path: Path) -> None:
    zone = TxtZone("example.net.", "pancert-key", SECRET)
    wrong = base64.b64encode(b"another-secret-entirely-wrong!!!").decode()
    with DnsServer(zone) as server:
        publisher = Rfc2136Publisher(credential(tmp_path, server.port, wrong))
        with pytest.raises(AcmeChallengeError) as caught:
            publisher.add(FQDN, "digest-value")
    assert "TSIG" in str(caught.value)
    assert wrong not in str(caught.value)
    assert zone.refused == 1
    assert not zone.records.get(dns.name.from_text(FQDN))


def test_a_name_outside_the_zone_is_refused_before_sending(tmp_path: Path) -> None:
    zone = TxtZone("example.net.", "pancert-key", SECRET)
    with DnsServer(zone) as server:
        publisher = Rfc2136Publisher(credential(tmp_path, server.port))
        with pytest.raises(AcmeChallengeError, match=r"not in zone example\.net"):
            publisher.add("_acme-challenge.www.example.com.", "v")
