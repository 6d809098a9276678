"""The field's Panorama clients drive the sandbox Panorama unchanged: pan-python with
``serial=`` (it sends ``target=``) and pan-os-python's ``Panorama``, a ``Firewall`` added to
it (reached through Panorama) and ``PanoramaCommitAll`` with per-device results."""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Iterator
from pathlib import Path

import pan.xapi
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pancert.sandbox.firewall import FirewallSettings
from pancert.sandbox.panorama import STACK, TEMPLATE
from pancert.sandbox.world import SandboxWorld
from panos import firewall, panorama

GENERATE = (
    "<request><certificate><generate><certificate-name>viapano</certificate-name>"
    "<name>vp.example.test</name><algorithm><ECDSA><ecdsa-nbits>256</ecdsa-nbits></ECDSA>"
    "</algorithm><digest>sha256</digest><signed-by>external</signed-by><ca>no</ca>"
    "</generate></certificate></request>"
)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SandboxWorld]:
    settings = FirewallSettings(commit_duration_s=0.05)
    with SandboxWorld(tmp_path / "sandbox", firewall_settings=settings) as started:
        started.panorama.settings.commit_duration_s = 0.05
        yield started


def _xapi(world: SandboxWorld, serial: str | None = None) -> pan.xapi.PanXapi:
    port = int(world.describe()["panorama"]["url"].rsplit(":", 1)[1])
    return pan.xapi.PanXapi(
        api_username=world.panorama.username,
        api_password=world.panorama.password,
        hostname="localhost",
        port=port,
        serial=serial,
        ssl_context=ssl.create_default_context(cafile=str(world.ca_bundle)),
        timeout=10,
    )


def test_pan_python_with_serial_reaches_the_managed_firewall(world: SandboxWorld) -> None:
    fw = world.fleet.firewalls[1]
    xapi = _xapi(world, serial=fw.serial)
    xapi.keygen()
    xapi.op(cmd="<show><system><info/></system></show>")
    assert f"<serial>{fw.serial}</serial>" in (xapi.xml_result() or "")
    xapi.op(cmd=GENERATE)
    xapi.export(
        category="certificate",
        extra_qs={"certificate-name": "viapano", "format": "pkcs10", "include-key": "no"},
    )
    assert b"BEGIN CERTIFICATE REQUEST" in xapi.export_result["content"]
    assert fw.recorder.counts().get("generate") == 1
    assert world.panorama.recorder.counts().get("target:generate") == 1
    # a disconnected device is refused by Panorama, with its serial in the message
    world.panorama.devices[fw.serial].connected = False
    with pytest.raises(pan.xapi.PanXapiError, match=fw.serial):
        xapi.op(cmd="<show><system><info/></system></show>")


def test_pan_python_lists_connected_devices(world: SandboxWorld) -> None:
    xapi = _xapi(world)
    xapi.keygen()
    world.panorama.devices[world.fleet.firewalls[0].serial].connected = False
    xapi.op(cmd="<show><devices><connected/></devices></show>")
    text = xapi.xml_result() or ""
    assert world.fleet.firewalls[1].serial in text
    assert world.fleet.firewalls[0].serial not in text


def _keypair(cn: str, passphrase: bytes) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    return cert.public_bytes(serialization.Encoding.PEM) + encrypted


def test_pan_os_python_panorama_commit_and_commit_all_with_device_results(
    world: SandboxWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pan-os-python builds pan-python without an ssl_context; SSL_CERT_FILE points the
    # default context at the sandbox CA, as an administrator would for a private CA
    monkeypatch.setenv("SSL_CERT_FILE", str(world.ca_bundle))
    port = int(world.describe()["panorama"]["url"].rsplit(":", 1)[1])
    pano = panorama.Panorama(
        "localhost",
        api_username=world.panorama.username,
        api_password=world.panorama.password,
        port=port,
    )
    pano.refresh_system_info()
    # a firewall added to the Panorama object is reached through it (target=serial)
    first, second = world.fleet.firewalls
    managed = firewall.Firewall(serial=first.serial)
    pano.add(managed)
    info = managed.op("<show><system><info/></system></show>", cmd_xml=False)
    assert info.findtext("result/system/serial") == first.serial
    # a key pair into the template, Panorama commit, then a push with per-device results
    xapi = _xapi(world)
    xapi.keygen()
    xapi.import_file(
        category="keypair",
        file=_keypair("tpl.example.test", b"one-time-pass"),
        filename="pair.pem",
        extra_qs={
            "certificate-name": "tpl-cert",
            "format": "pem",
            "passphrase": "one-time-pass",
            "target-tpl": TEMPLATE,
        },
    )
    assert xapi.status == "success"
    committed = pano.commit(sync=True)
    assert committed["result"] == "OK"
    world.panorama.devices[second.serial].fail_push = True
    cmd = panorama.PanoramaCommitAll(
        style="template stack", name=STACK, admins=[world.panorama.username]
    )
    result = pano.commit(cmd=cmd, sync=True, sync_all=True)
    devices = result["devices"]
    assert devices[first.serial]["result"] == "OK"
    assert devices[second.serial]["result"] == "FAIL"
    assert result["success"] is False
    names = first.running.xpath("/config/shared/certificate/entry[@ptpl]/@name")
    assert names == ["tpl-cert"]
    assert second.running.xpath("/config/shared/certificate/entry[@ptpl]/@name") == []
    assert world.panorama.forced_template_values == 0
