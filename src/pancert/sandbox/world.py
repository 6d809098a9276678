"""A whole sandbox — SCM, firewalls, CA — and a ready-to-use pancert configuration for it.

Used by ``pancert sandbox`` (until interrupted), ``pancert demo``, the end-to-end tests and
the benchmark. Servers run in background threads of the calling process; the agent reaches
them only over HTTPS, exactly as it would reach real ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from ruamel.yaml import YAML

from pancert.sandbox.acme import ACME_LABEL, AcmeSandbox, AcmeSandboxSettings
from pancert.sandbox.ca import SandboxCA
from pancert.sandbox.firewall import Firewall, FirewallFleet, FirewallSettings
from pancert.sandbox.ha import HaPair
from pancert.sandbox.panorama import TEMPLATE, Panorama, PanoramaApp
from pancert.sandbox.scm import ADMIN_PATH, TOKEN_PATH, ScmSandbox, ScmSandboxSettings
from pancert.sandbox.server import LoopbackServer

ENROLL_LABEL = "SCMDV"
ADMIN_LABEL = "SCMADMIN"


@dataclass(frozen=True)
class ProfileSpec:
    """A certificate profile to write, in the Sectigo agent's keys."""

    name: str
    common_name: str
    firewalls: tuple[str, ...] = ("fw_sandbox1",)
    sans: tuple[str, ...] = ()
    key_type: str = "RSA"
    key_size: int = 2048
    credential: str = ENROLL_LABEL
    cert_type: str = "DV"
    location: str = "vsys1"
    bindings: tuple[tuple[str, str], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def as_yaml(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "paloalto_fw_profile": list(self.firewalls)
            if len(self.firewalls) > 1
            else self.firewalls[0],
            "scm_credential_detail": self.credential,
            "sectigo_ssl_cert_type": self.cert_type,
            "sectigo_ssl_cert_comments": "pancert sandbox",
            "sectigo_csr_domain": self.common_name,
            "sectigo_csr_country": "GB",
            "sectigo_csr_organization": "Example Org",
            "sectigo_csr_key_type": self.key_type,
            "sectigo_csr_key_size": self.key_size,
            "sectigo_force_renewal": False,
            "sectigo_expiry_window": 30,
            "sectigo_auto_renew": True,
            "paloalto_location": self.location,
        }
        if self.sans:
            data["sectigo_ssl_cert_subject_alt_names"] = ",".join(self.sans)
        if self.bindings:
            data["paloalto_bindings"] = [{kind: name} for kind, name in self.bindings]
        data.update(self.extra)
        return data


PANORAMA_PROFILES = (
    ProfileSpec(
        name="managed",
        common_name="vpn.example.com",
        firewalls=("fw_managed1", "fw_managed2"),
        key_type="EC",
        key_size=256,
        bindings=(("ssl_tls_service_profile", "gp-tls"),),
    ),
    ProfileSpec(
        name="portal",
        common_name="portal.example.com",
        firewalls=("fw_template",),
        location="shared",
        bindings=(("ssl_tls_service_profile", "gp-portal-tls"),),
    ),
)
"""Through the sandbox Panorama: ``managed`` with its key generated on each managed firewall
(device mode), ``portal`` as one shared key pushed by a template (template mode)."""

DEMO_PROFILES = (
    ProfileSpec(
        name="web",
        common_name="www.example.com",
        sans=("api.example.com",),
        bindings=(("ssl_tls_service_profile", "web-tls"), ("decryption_rule", "inbound-web")),
    ),
    ProfileSpec(
        name="shop",
        common_name="shop.example.org",
        firewalls=("fw_sandbox1", "fw_sandbox2"),
        key_type="EC",
        key_size=256,
        credential=ADMIN_LABEL,
        location="shared",
    ),
)


HA_PROFILE = ProfileSpec(
    name="ha_portal",
    common_name="ha-portal.example.com",
    firewalls=("fw_ha1",),
    bindings=(("ssl_tls_service_profile", "gp-tls"),),
)
"""The certificate profile written for the first HA pair (``fw_ha1.yaml``)."""

ACME_PROFILE = ProfileSpec(
    name="acme_web",
    common_name="vpn.example.net",
    sans=("portal.example.net",),
    key_type="EC",
    key_size=256,
    credential=ACME_LABEL,
)
"""The profile ``pancert sandbox --acme`` adds: issued by Pebble through the ACME label."""


def _dump(path: Path, data: dict[str, Any], *, secret: bool = False) -> Path:
    yaml = YAML()
    yaml.default_flow_style = False
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)
    if secret:
        path.chmod(0o600)  # as the README asks of every file holding a secret
    return path


class SandboxWorld:
    def __init__(
        self,
        folder: Path,
        *,
        firewalls: int = 2,
        ha_pairs: int = 0,
        scm_settings: ScmSandboxSettings | None = None,
        firewall_settings: FirewallSettings | None = None,
        acme: AcmeSandboxSettings | None = None,
    ) -> None:
        self.folder = folder.resolve()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.ca = SandboxCA.load_or_create(self.folder / "ca")
        self.ca_bundle = self.ca.write_bundle(self.folder / "sandbox-ca.pem")
        self.scm = ScmSandbox(self.ca, settings=scm_settings)
        total = firewalls + 2 * ha_pairs
        self.fleet = FirewallFleet(self.ca, total, settings=firewall_settings)
        self.standalone = self.fleet.firewalls[:firewalls]
        """Firewalls outside HA pairs; each gets its own ``fw_sandboxN.yaml``."""
        peers = self.fleet.firewalls[firewalls:]
        self.ha_pairs = [
            HaPair(f"ha{i + 1}", peers[2 * i], peers[2 * i + 1]) for i in range(ha_pairs)
        ]
        """Each pair gets one ``fw_haN.yaml`` naming both peers."""
        self.scm_server = LoopbackServer(self.scm.app, self.ca)
        self.fw_server = LoopbackServer(self.fleet.app, self.ca, count=total, tls_per_port=True)
        self.fleet.bind(self.fw_server.ports)
        self.acme = (
            AcmeSandbox(self.folder, self.ca, self.ca_bundle, acme) if acme is not None else None
        )
        # HA peers stay outside Panorama: pancert reaches a pair at its own two addresses
        self.panorama = Panorama(self.ca, self.standalone)
        self.pano_server = LoopbackServer(PanoramaApp(self.panorama).app, self.ca)

    def start(self) -> SandboxWorld:
        started: list[LoopbackServer] = []
        try:
            for server in (self.scm_server, self.fw_server, self.pano_server):
                server.start()
                started.append(server)
                if server is self.fw_server:
                    self.fleet.attach_tls(self.fw_server.tls_contexts)
            if self.acme is not None:
                self.acme.start()
        except BaseException:
            for server in reversed(started):
                server.stop()
            raise
        return self

    def stop(self) -> None:
        if self.acme is not None:
            self.acme.stop()
        self.pano_server.stop()
        self.fw_server.stop()
        self.scm_server.stop()

    def __enter__(self) -> SandboxWorld:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def scm_url(self) -> str:
        """The host both SCM APIs and the token endpoint share."""
        return self.scm_server.url

    @property
    def enroll_url(self) -> str:
        return self.scm_server.url

    @property
    def admin_url(self) -> str:
        return self.scm_server.url + ADMIN_PATH

    @property
    def auth_url(self) -> str:
        return self.scm_server.url + TOKEN_PATH

    def describe(self) -> dict[str, Any]:
        """The machine-readable ``sandbox.json``."""
        creds = self.scm.credentials
        return {
            "ca_bundle": str(self.ca_bundle),
            "scm": {
                "url": self.admin_url,
                "auth_url": self.auth_url,
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
                "login": creds.login,
                "password": creds.password,
                "customer_uri": creds.customer_uri,
                "org_id": creds.org_id,
                "validated_domains": list(creds.validated_domains),
                "enroll_url": self.enroll_url,
                "enroll_client_id": creds.enroll_client_id,
                "enroll_client_secret": creds.enroll_client_secret,
            },
            "firewalls": [
                {k: fw[k] for k in ("name", "url", "username", "password", "api_key")}
                for fw in self.fleet.describe()
            ],
            "ha_pairs": [
                {"name": pair.name, "peers": [p.name for p in pair.peers]} for pair in self.ha_pairs
            ],
            "panorama": {
                "url": self.pano_server.url,
                "username": self.panorama.username,
                "password": self.panorama.password,
                "api_key": self.panorama.api_key,
                "devices": [
                    {"serial": d.serial, "hostname": d.hostname, "firewall": d.firewall.name}
                    for d in self.panorama.devices.values()
                ],
            },
        } | ({"acme": self.acme.describe()} if self.acme is not None else {})

    def write_configuration(
        self, profiles: tuple[ProfileSpec, ...] | None = None, **config_overrides: Any
    ) -> Path:
        """Write config.yaml, profiles, credentials and firewall profiles; return config.yaml.
        By default the demo profiles, plus :data:`HA_PROFILE` when the world has an HA pair."""
        if profiles is None:
            profiles = DEMO_PROFILES + ((HA_PROFILE,) if self.ha_pairs else ())
        creds = self.scm.credentials
        profile_dir = self.folder / "profiles"
        config: dict[str, Any] = {
            "sectigo_log_file": "pancert.log",
            "sectigo_log_path": "logs",
            "cert_profile_path": "profiles",
            "sectigo_scm_url": self.enroll_url,
            "sectigo_auth_url": self.auth_url,
            "sectigo_ca_bundle": "sandbox-ca.pem",
            "sectigo_log_level": "INFO",
            "sectigo_log_size_mb": 1,
            "sectigo_logger_count": 10,
            "sectigo_sleep_download": 1,
            "sectigo_encrypt_credentials": False,
            "pancert_state_path": "state",
        }
        labels: dict[str, Any] = {}
        if self.acme is not None:
            # issued chains end at Pebble's root, made anew at each start: trust both CAs
            assert self.acme.roots is not None
            anchors = self.folder / "sandbox-anchors.pem"
            anchors.write_bytes(self.ca_bundle.read_bytes() + self.acme.roots.read_bytes())
            config["sectigo_ca_bundle"] = anchors.name
            labels[ACME_LABEL] = self.acme.credential()
        config.update(config_overrides)
        _dump(
            profile_dir / "sectigo_credentials.yaml",
            labels
            | {
                ENROLL_LABEL: {
                    "sectigo_cm_user_id": creds.enroll_client_id,
                    "sectigo_cm_user_secret": creds.enroll_client_secret,
                },
                ADMIN_LABEL: {
                    "sectigo_cm_login": creds.login,
                    "sectigo_cm_password": creds.password,
                    "sectigo_cm_customer_uri": creds.customer_uri,
                    "sectigo_cm_org_id": creds.org_id,
                    # the sandbox tenant, like real ones, offers several types per level
                    "sectigo_cert_type_map": {"DV": 7001, "OV": 7011, "EV": 7021},
                },
            },
            secret=True,
        )
        for index, firewall in enumerate(self.standalone, start=1):
            _dump(
                profile_dir / f"fw_sandbox{index}.yaml",
                self._firewall_yaml(firewall, f"https://localhost:{firewall.port}"),
                secret=True,
            )
        for pair in self.ha_pairs:
            urls = [f"https://localhost:{p.port}" for p in pair.peers]
            _dump(
                profile_dir / f"fw_{pair.name}.yaml",
                self._firewall_yaml(pair.peers[0], urls),
                secret=True,
            )
        self._write_panorama_profiles(profile_dir)
        for spec in profiles:
            _dump(profile_dir / f"{spec.name}.yaml", spec.as_yaml())
        (self.folder / "sandbox.json").write_text(json.dumps(self.describe(), indent=2) + "\n")
        (self.folder / "sandbox.json").chmod(0o600)
        return _dump(self.folder / "config.yaml", config)

    def _firewall_yaml(self, firewall: Firewall, url: str | list[str]) -> dict[str, Any]:
        return {
            "paloalto_url": url,
            "paloalto_api_key": firewall.api_key,
            "paloalto_commit_description": "pancert sandbox",
            "paloalto_commit_user": firewall.username,
            "paloalto_ca_bundle": str(self.ca_bundle),
        }

    def _write_panorama_profiles(self, profile_dir: Path) -> None:
        """``fw_panorama`` (Panorama itself), ``fw_managedN`` (firewall N reached through
        Panorama with ``target=``) and ``fw_template`` (Panorama's template T-fleet)."""
        pano = self.panorama
        _dump(
            profile_dir / "fw_panorama.yaml",
            self._firewall_yaml(pano, self.pano_server.url),
            secret=True,
        )
        for index, device in enumerate(pano.devices.values(), start=1):
            _dump(
                profile_dir / f"fw_managed{index}.yaml",
                {"paloalto_panorama": "fw_panorama", "paloalto_serial": device.serial},
                secret=True,  # no key here, but one may be added for direct imports
            )
        _dump(
            profile_dir / "fw_template.yaml",
            {
                "paloalto_panorama": "fw_panorama",
                "paloalto_mode": "panorama-template",
                "paloalto_template": TEMPLATE,
            },
            secret=True,
        )
