"""Seeding a sandbox firewall in-process (tests, the demo): certificates signed by the
sandbox CA with their key on the box, and references from the base configuration's objects.
Nothing here goes through the API, so it is neither recorded nor logged as a change."""

from __future__ import annotations

import copy
import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID
from lxml import etree

from pancert.sandbox.ca import SandboxCA
from pancert.sandbox.firewall import certs, tree
from pancert.sandbox.firewall.certs import KeyStore
from pancert.sandbox.firewall.changes import Change, apply, certificates_xpath
from pancert.sandbox.firewall.settings import FirewallSettings, generate_key


class Seeding:
    """Mixed into :class:`~pancert.sandbox.firewall.firewall.Firewall`."""

    ca: SandboxCA
    settings: FirewallSettings
    key_store: KeyStore
    candidate: etree._Element
    running: etree._Element

    def seed_certificate(
        self,
        name: str,
        *,
        location: str = "shared",
        common_name: str | None = None,
        dns_names: tuple[str, ...] = (),
        key: str = "EC-256",
        not_after: dt.datetime | None = None,
        template: str | None = None,
        committed: bool = True,
    ) -> x509.Certificate:
        """A signed certificate with its key on the box, issued by the sandbox CA."""
        algorithm, bits = key.split("-")
        private = None
        if self.settings.key_pool is not None:
            private = self.settings.key_pool.take(algorithm, int(bits))
        private = private or generate_key(algorithm, int(bits))
        cn = common_name or (dns_names[0] if dns_names else f"{name}.example.test")
        csr = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .sign(private, hashes.SHA256())
        )
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        cert = self.ca.sign_csr(
            csr,
            common_name=cn,
            dns_names=list(dns_names or (cn,)),
            not_before=now - dt.timedelta(days=1),
            not_after=not_after or now + dt.timedelta(days=365),
        )
        chain = [cert, self.ca.intermediate]
        entry = certs.signed_entry(name, chain, "".join(certs.pem(c) for c in chain), with_key=True)
        if template is not None:
            entry.set("ptpl", template)
            entry.set("src", "tpl")
        self.key_store.put(location, name, private)
        for root in (self.candidate, self.running) if committed else (self.candidate,):
            xpath = certificates_xpath(location)
            target = tree.ensure(root, xpath)[0]
            for old in [e for e in target if e.tag == "entry" and e.get("name") == name]:
                target.remove(old)
            target.append(copy.deepcopy(entry))
        return cert

    def set_reference(
        self, kind: str, certificate: str, *, location: str = "vsys1", committed: bool = True
    ) -> str:
        """Make the base configuration's object of ``kind`` use ``certificate``; returns the
        xpath written. Kinds: ssl_tls_service_profile, decryption_rule, global_protect,
        management, ike_gateway, certificate_profile."""
        prefix = (
            "/config/shared"
            if location == "shared"
            else (f"{tree.DEVICE}/vsys/entry[@name='{location}']")
        )
        members = self.settings.decryption_members()
        targets = {
            "ssl_tls_service_profile": (
                prefix
                + "/ssl-tls-service-profile/entry[@name='"
                + ("shared-tls" if location == "shared" else "web-tls")
                + "']",
                f"<certificate>{certificate}</certificate>",
            ),
            "global_protect": (
                prefix + "/ssl-tls-service-profile/entry[@name='gp-tls']",
                f"<certificate>{certificate}</certificate>",
            ),
            "management": (
                "/config/shared/ssl-tls-service-profile/entry[@name='mgmt-tls']",
                f"<certificate>{certificate}</certificate>",
            ),
            "decryption_rule": (
                prefix + "/rulebase/decryption/rules/entry[@name='inbound-web']/type",
                f"<ssl-inbound-inspection><certificates><member>{certificate}</member>"
                "</certificates></ssl-inbound-inspection>"
                if members
                else f"<ssl-inbound-inspection>{certificate}</ssl-inbound-inspection>",
            ),
            "ike_gateway": (
                f"{tree.DEVICE}/network/ike/gateway/entry[@name='ike-gw1']/authentication/"
                "certificate/local-certificate",
                f"<name>{certificate}</name>",
            ),
            "certificate_profile": (
                prefix
                + "/certificate-profile/entry[@name='"
                + ("client-ca" if location == "shared" else "gp-client-ca")
                + "']/CA",
                f'<entry name="{certificate}"/>',
            ),
        }
        if kind not in targets:
            raise ValueError(f"unknown reference kind {kind!r} (allowed: {sorted(targets)})")
        xpath, xml = targets[kind]
        change = Change("seed", "set", xpath, xml)
        for root in (self.candidate, self.running) if committed else (self.candidate,):
            apply(root, change, marks=False)
        return xpath
