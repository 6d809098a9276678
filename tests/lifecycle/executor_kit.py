"""Building a pair, a run and its seeds for the executor tests (fakes of both ports)."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from pancert.config.models import FirewallProfile
from pancert.config.profile import CertificateProfile
from pancert.config.resolved import resolve
from pancert.lifecycle.firewall import FirewallRun
from pancert.lifecycle.journal import Journal
from pancert.lifecycle.outcome import PairOutcome
from pancert.lifecycle.pair import Pair, RunSettings
from pancert.lifecycle.plan import Mode
from pancert.sandbox.ca import SandboxCA

from .fakes import FakeCA, FakeFirewall

NAMES = ("www.example.com", "api.example.com")


def profile(folder: Path, **overrides: Any) -> CertificateProfile:
    data: dict[str, Any] = {
        "name": "web",
        "source": folder / "web.yaml",
        "paloalto_fw_profile": "fw_a",
        "scm_credential_detail": "main",
        "sectigo_csr_domain": NAMES[0],
        "sectigo_ssl_cert_subject_alt_names": ",".join(NAMES[1:]),
        "sectigo_csr_key_type": "RSA",
    }
    data.update(overrides)
    return CertificateProfile.model_validate(data)


def firewall(folder: Path, **overrides: Any) -> FirewallProfile:
    data: dict[str, Any] = {
        "name": "fw_a",
        "source": folder / "fw_a.yaml",
        "paloalto_url": "https://fw-a.example.net",
        "paloalto_api_key": "k" * 40,
        "paloalto_commit_user": "pancert-api",
    }
    data.update(overrides)
    return FirewallProfile.model_validate(data, context={"base": folder})


def issued_pem(ca: SandboxCA, *, days_left: float, lifetime: float = 90) -> str:
    """A signed certificate for the profile's names, as the Sectigo agent left it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAMES[0])]))
        .sign(key, hashes.SHA256())
    )
    now = dt.datetime.now(dt.UTC)
    not_after = now + dt.timedelta(days=days_left)
    leaf = ca.sign_csr(
        csr,
        common_name=NAMES[0],
        dns_names=list(NAMES),
        not_before=not_after - dt.timedelta(days=lifetime),
        not_after=not_after,
    )
    return leaf.public_bytes(serialization.Encoding.PEM).decode()


@dataclass
class Kit:
    folder: Path
    ca_root: SandboxCA
    fw: FakeFirewall
    ca: FakeCA
    journal: Journal

    def pair(self, *, named: bool = False, **profile_overrides: Any) -> Pair:
        return self.pair_on(firewall(self.folder), named=named, **profile_overrides)

    def pair_on(self, fw: FirewallProfile, *, named: bool = False, **overrides: Any) -> Pair:
        resolved = resolve(profile(self.folder, **overrides), {fw.name: fw})
        return Pair(resolved, fw, self.ca, named=named)

    def settings(self, mode: Mode = Mode.RENEW, **overrides: Any) -> RunSettings:
        async def no_sleep(_: float) -> None:
            return None

        data: dict[str, Any] = {
            "mode": mode,
            "sleep_download": 0.0,
            "collect_timeout": 0.0,
            "anchors": [self.ca_root.root],
            "sleep": no_sleep,
        }
        data.update(overrides)
        return RunSettings(**data)

    def run(self, pairs: list[Pair], settings: RunSettings) -> list[PairOutcome]:
        return asyncio.run(FirewallRun(self.fw, pairs, self.journal, settings).run())
