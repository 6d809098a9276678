"""Ways to hand pancert something broken that no configuration file can express: a sops
file encrypted to a key it does not hold (or with a tampered MAC), and a CA that mis-issues.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pyrage
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pancert.sandbox.ca import SandboxCA
from pancert.secrets import encrypt_file

from .harness import Case


def encrypted(
    plain: Callable[[Case], str], *, known_key: bool, tamper_mac: bool
) -> Callable[[Case], str]:
    """fw_bad.yaml as ``plain`` writes it, encrypted (sops, age) to a fresh identity the agent
    may or may not hold."""

    def write(case: Case) -> str:
        identity = pyrage.x25519.Identity.generate()
        path = case.config_folder / "profiles" / "fw_bad.yaml"
        path.write_text(plain(case))
        encrypt_file(
            path,
            pgp_fingerprints=[],
            age_recipients=[str(identity.to_public())],
            gnupg_home=None,
        )
        if known_key:
            case.agent.env["SOPS_AGE_KEY"] = str(identity)
        text = path.read_text()
        if tamper_mac:
            text = re.sub(r"(mac: ENC\[AES256_GCM,data:)(.)", _flip, text)
        return text

    return write


def _flip(match: re.Match[str]) -> str:
    return match.group(1) + ("B" if match.group(2) != "B" else "C")


class MisIssuingCA:
    """Wraps the sandbox CA so orders for ``victim`` (a common name) come back wrong."""

    def __init__(self, ca: SandboxCA, how: str, victim: str) -> None:
        self._ca = ca
        self._how = how
        self._victim = victim
        self._other = SandboxCA.create() if how == "untrusted" else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ca, name)

    def sign_csr(
        self,
        csr: x509.CertificateSigningRequest,
        *,
        common_name: str,
        dns_names: list[str],
        not_before: dt.datetime,
        not_after: dt.datetime,
    ) -> x509.Certificate:
        if common_name != self._victim:
            return self._ca.sign_csr(
                csr,
                common_name=common_name,
                dns_names=dns_names,
                not_before=not_before,
                not_after=not_after,
            )
        signer = self._other or self._ca
        if self._how == "other-key":
            key = ec.generate_private_key(ec.SECP256R1())
            subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
            csr = (
                x509.CertificateSigningRequestBuilder()
                .subject_name(subject)
                .sign(key, hashes.SHA256())
            )
        elif self._how == "missing-name":
            dns_names = [n for n in dns_names if n.startswith("bad.")]
        elif self._how == "extra-name":
            dns_names = [*dns_names, "evil.example.net"]
        elif self._how == "expired":
            not_before = not_before - dt.timedelta(days=30)
            not_after = not_before + dt.timedelta(days=1)
        return signer.sign_csr(
            csr,
            common_name=common_name,
            dns_names=dns_names,
            not_before=not_before,
            not_after=not_after,
        )
