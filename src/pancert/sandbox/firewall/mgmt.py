"""The certificate a sandbox firewall's management interface (web UI and XML API) presents.

On a firewall, ``deviceconfig/system/ssl-tls-service-profile`` names the SSL/TLS service
profile of the management web UI (panos.md §8, pan-os-codegen ``specs/device/general.yaml``);
once a commit makes that profile name another certificate, the web UI — and the XML API,
which is served by the same web server — presents that certificate to new connections
(Palo Alto, "Replace the Certificate for Inbound Management Traffic",
https://docs.paloaltonetworks.com/pan-os/11-1/pan-os-admin/certificate-management/replace-the-certificate-for-inbound-management-traffic).

:class:`ManagementTls` holds the port's :class:`ssl.SSLContext` (given by the server, see
``LoopbackServer(tls_per_port=True)``) and loads the running configuration's management
certificate and key into it after each commit. Without a context (a fleet served with one
shared certificate) it only records which certificate would be served.
"""

from __future__ import annotations

import hashlib
import ssl
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from pancert.sandbox.firewall import tree

if TYPE_CHECKING:
    from pancert.sandbox.firewall.firewall import Firewall

_PROFILE = f"{tree.DEVICE}/deviceconfig/system/ssl-tls-service-profile"


def management_certificate(running: etree._Element) -> str | None:
    """The certificate name the management profile points at in ``running``, if any."""
    profile = (running.findtext(_PROFILE.removeprefix("/config/")) or "").strip()
    if not profile:
        return None
    found = running.xpath(
        "/config/shared/ssl-tls-service-profile/entry[@name=$p]/certificate", p=profile
    )
    assert isinstance(found, list)
    nodes = [n for n in found if isinstance(n, etree._Element)]
    name = (nodes[0].text or "").strip() if nodes else ""
    return name or None


class ManagementTls:
    """What the management port presents; ``served`` is the certificate name (None: the
    sandbox's own loopback certificate) and ``fingerprint`` its SHA-256."""

    def __init__(self) -> None:
        self.context: ssl.SSLContext | None = None
        self.served: str | None = None
        self.fingerprint: str | None = None
        self.restarting = False
        self.current: ssl.SSLContext | None = None

    def attach(self, context: ssl.SSLContext) -> None:
        """Take over ``context``'s handshakes: each one uses the current certificate's own
        context (a fresh one per certificate, since loading an RSA chain into a context that
        holds an EC one would leave both for OpenSSL to choose from)."""
        self.context = context
        context.sni_callback = self._select

    def _select(self, connection: ssl.SSLObject, _name: str | None, _: ssl.SSLContext) -> None:
        if self.current is not None:
            connection.context = self.current

    def refresh(self, fw: Firewall) -> None:
        name = management_certificate(fw.running)
        if name is None or name == self.served:
            return
        found = fw.running.xpath("/config/shared/certificate/entry[@name=$n]", n=name)
        assert isinstance(found, list)
        entries = [e for e in found if isinstance(e, etree._Element)]
        key = fw.key_store.get("shared", name)
        pem = entries[0].findtext("public-key") if entries else None
        if key is None or not pem:
            return  # a commit-time check would refuse this; keep serving what was served
        chain = x509.load_pem_x509_certificates(pem.encode())
        self.served = name
        self.fingerprint = hashlib.sha256(
            chain[0].public_bytes(serialization.Encoding.DER)
        ).hexdigest()
        if self.context is None:
            return
        # the web server restarts with the new certificate: the call during which that
        # happened loses its connection (the app drops it, see FirewallFleet._dispatch)
        self.restarting = True
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        with tempfile.TemporaryDirectory(prefix="pancert-mgmt-") as folder:
            cert_path, key_path = Path(folder, "cert.pem"), Path(folder, "key.pem")
            cert_path.write_text(pem)
            key_path.touch(mode=0o600)
            key_path.write_bytes(key_pem)
            fresh = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            fresh.load_cert_chain(str(cert_path), str(key_path))
        self.current = fresh
