"""The field's own PAN-OS clients drive the sandbox unchanged: pan-python (``pan.xapi``, the
library behind panxapi.py and pan-os-python) and pan-os-python (``panos``, which every
pan-os-ansible module uses). Both are test-only dependencies."""

from __future__ import annotations

import datetime as dt
import ssl

import pan.xapi
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pancert.sandbox.ca import SandboxCA
from panos import device, firewall
from tests.panos.conftest import Sandbox

GENERATE = (
    "<request><certificate><generate><certificate-name>{name}</certificate-name>"
    "<name>{cn}</name><algorithm><ECDSA><ecdsa-nbits>256</ecdsa-nbits></ECDSA></algorithm>"
    "<digest>sha256</digest><signed-by>external</signed-by><ca>no</ca>"
    "<hostname><member>{cn}</member></hostname></generate></certificate></request>"
)


def _xapi(sandbox: Sandbox) -> pan.xapi.PanXapi:
    port = int(sandbox.url().rsplit(":", 1)[1])
    return pan.xapi.PanXapi(
        api_username="admin",
        api_password=sandbox.firewall.password,
        hostname="localhost",
        port=port,
        ssl_context=ssl.create_default_context(cafile=str(sandbox.ca_bundle)),
        timeout=10,
    )


def _signed(ca: SandboxCA, csr_pem: bytes, cn: str, days: int = 30) -> bytes:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    leaf = ca.sign_csr(
        x509.load_pem_x509_csr(csr_pem),
        common_name=cn,
        dns_names=[cn],
        not_before=now - dt.timedelta(days=1 if days > 0 else 40),
        not_after=now + dt.timedelta(days=days),
    )
    return ca.chain_pem(leaf)


def test_pan_python_import_file_succeeds_fifty_times_in_a_row(
    sandbox: Sandbox, sandbox_ca: SandboxCA
) -> None:
    """pan-python's multipart boundary is 16 ``_`` + 64 base64 characters, unquoted; about
    60 % of them hold ``/`` or ``+``, which an e-mail MIME parser splits on."""
    xapi = _xapi(sandbox)
    xapi.keygen()
    assert xapi.api_key == sandbox.firewall.api_key
    xapi.op(cmd=GENERATE.format(name="pp-web", cn="pp.example.test"))
    xapi.export(
        category="certificate",
        extra_qs={"certificate-name": "pp-web", "format": "pkcs10", "include-key": "no"},
    )
    chain = _signed(sandbox_ca, xapi.export_result["content"], "pp.example.test")
    for attempt in range(50):
        xapi.import_file(
            category="certificate",
            file=chain,
            filename="cert.pem",
            extra_qs={"certificate-name": "pp-web", "format": "pem"},
        )
        assert xapi.status == "success", attempt
        assert "Successfully imported pp-web" in (xapi.xml_result() or ""), attempt
    xapi.get(xpath="/config/shared/certificate/entry[@name='pp-web']/public-key")
    assert "BEGIN CERTIFICATE" in (xapi.xml_result() or "")


def test_pan_python_keypair_and_private_key_imports(
    sandbox: Sandbox, sandbox_ca: SandboxCA
) -> None:
    """The two calls acme.sh's deploy hook makes (certificate, then private-key with a dummy
    passphrase) and the one-call keypair form."""
    xapi = _xapi(sandbox)
    xapi.keygen()
    key, cert = _matching_pair(sandbox_ca)
    xapi.import_file(
        category="certificate",
        file=cert,
        filename="cert.pem",
        extra_qs={"certificate-name": "ext-web", "format": "pem"},
    )
    xapi.import_file(
        category="private-key",
        file=key,
        filename="key.pem",
        extra_qs={"certificate-name": "ext-web", "format": "pem", "passphrase": "123456"},
    )
    entry = sandbox.firewall.candidate.find(".//certificate/entry[@name='ext-web']")
    assert entry is not None
    assert entry.find("private-key") is not None
    xapi.import_file(
        category="keypair",
        file=key + cert,
        filename="both.pem",
        extra_qs={"certificate-name": "pair-web", "format": "pem", "passphrase": "dummy1"},
    )
    pair = sandbox.firewall.candidate.find(".//certificate/entry[@name='pair-web']")
    assert pair is not None
    assert pair.find("private-key") is not None
    with pytest.raises(pan.xapi.PanXapiError, match="Failed to extract certificate"):
        xapi.import_file(
            category="certificate",
            file=cert,
            filename="cert.pem",
            extra_qs={"certificate-name": "p12-web", "format": "pkcs12", "passphrase": "x"},
        )


def _matching_pair(ca: SandboxCA) -> tuple[bytes, bytes]:
    private = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ext.example.test")]))
        .sign(private, hashes.SHA256())
    )
    cert = _signed(ca, csr.public_bytes(serialization.Encoding.PEM), "ext.example.test")
    key = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key, cert


def _firewall(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> firewall.Firewall:
    # pan-os-python builds pan-python without an ssl_context: the default context, which
    # honours SSL_CERT_FILE, is how an administrator points it at a private CA
    monkeypatch.setenv("SSL_CERT_FILE", str(sandbox.ca_bundle))
    port = int(sandbox.url().rsplit(":", 1)[1])
    return firewall.Firewall("localhost", "admin", sandbox.firewall.password, port=port, timeout=10)


def test_pan_os_python_refresh_system_info(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    fw = _firewall(sandbox, monkeypatch)
    info = fw.refresh_system_info()
    assert info.version == sandbox.firewall.settings.sw_version
    assert info.platform == sandbox.firewall.settings.model
    assert info.serial == sandbox.firewall.serial
    assert fw.content_version
    assert fw.multi_vsys is False


def test_pan_os_python_certificate_profile_ssl_decrypt_and_commit(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.firewall.seed_certificate("issuing-ca", location="vsys1")
    fw = _firewall(sandbox, monkeypatch)
    fw.refresh_system_info()
    profile = device.CertificateProfile(
        "pp-client-ca", username_field="subject", username_field_value="common-name"
    )
    profile.add(device.CertificateProfileCaCertificate("issuing-ca"))
    fw.add(profile)
    profile.create()
    decrypt = device.SslDecrypt(trusted_root_cas=["issuing-ca"])
    fw.add(decrypt)
    decrypt.create()
    assert fw.pending_changes() is True
    assert fw.check_commit_locks() is False
    result = fw.commit(sync=True, exception=True)
    assert result["success"] is True
    assert result["result"] == "OK"
    assert fw.pending_changes() is False
    again = device.CertificateProfile("pp-client-ca")
    fw.add(again)
    again.refresh(running_config=True)
    assert [c.name for c in again.children] == ["issuing-ca"]
