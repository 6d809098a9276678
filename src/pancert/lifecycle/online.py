"""``pancert validate --online``: everything a first run needs, checked without changing
anything — SCM logins and the type/term/organization each profile will order, each firewall's
TLS identity, API key, XML API rights and HA state, and SCM's own auto-renewal on
certificates pancert manages (it would order behind pancert's back)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from pancert.config import LoadedConfig
from pancert.config.models import FirewallProfile
from pancert.errors import PancertError
from pancert.lifecycle.journal import Journal
from pancert.lifecycle.ports import AuthorityDiagnostics, DiagnosticsConnector
from pancert.panos.models import Location
from pancert.panos.panorama import DeviceInfo
from pancert.scm.models import ApiKind, EnrollRequest

_AUTO_RENEWING = {"scheduled", "started"}


@dataclass
class OnlineReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def ok(self, line: str) -> None:
        self.lines.append(f"ok: {line}")

    def fail(self, line: str) -> None:
        self.failures.append(line)
        self.lines.append(f"failed: {line}")

    def warn(self, line: str) -> None:
        self.warnings.append(line)
        self.lines.append(f"warning: {line}")


async def check_online(
    loaded: LoadedConfig, names: list[str] | None, connector: DiagnosticsConnector
) -> OnlineReport:
    report = OnlineReport()
    profiles = loaded.select_profiles(names)
    try:
        for label in sorted({p.credential for p in profiles.values()}):
            await _check_credential(loaded, label, connector, report, names)
    finally:
        await connector.aclose()
    firewalls = sorted({f for p in profiles.values() for f in p.firewall_profiles})
    locations = {
        f: sorted({p.location for p in profiles.values() if f in p.firewall_profiles})
        for f in firewalls
    }
    panoramas: dict[str, list[FirewallProfile]] = {}
    for name in firewalls:
        firewall = loaded.firewalls[name]
        if firewall.resolved_panorama is not None:
            panoramas.setdefault(firewall.resolved_panorama.name, []).append(firewall)
    for users in panoramas.values():
        await _check_panorama(connector, users, report)
    for name in firewalls:
        await _check_firewall(connector, loaded.firewalls[name], locations[name], report)
    return report


async def _check_panorama(
    connector: DiagnosticsConnector, users: list[FirewallProfile], report: OnlineReport
) -> None:
    """The devices a Panorama manages, with their state and which profiles act on them."""
    pano = users[0].resolved_panorama
    assert pano is not None
    where = f"Panorama {pano.name} ({pano.url})"
    try:
        devices: list[DeviceInfo] = await connector.managed_devices(pano)
    except PancertError as exc:
        report.fail(f"{where}: {exc}")
        return
    report.ok(f"{where}: {len(devices)} managed device(s)")
    for device in devices:
        acting = [u.name for u in users if device.serial == u.serial or device.hostname == u.device]
        text = (
            f"{where}: {device.serial} ({device.hostname}): "
            f"{'connected' if device.connected else 'NOT connected'}, {device.model} "
            f"PAN-OS {device.sw_version}; "
            + (f"acted on by {', '.join(acting)}" if acting else "not named by any profile")
        )
        if acting and not device.connected:
            report.fail(text)
        else:
            report.ok(text)


async def _check_credential(
    loaded: LoadedConfig,
    label: str,
    connector: DiagnosticsConnector,
    report: OnlineReport,
    names: list[str] | None,
) -> None:
    ca = connector.authority_diagnostics(label)
    try:
        report.ok(f"SCM credential {label} ({ca.api} API): {await ca.check_access()}")
    except PancertError as exc:
        report.fail(f"SCM credential {label}: {exc}")
        return
    profiles = [p for p in loaded.select_profiles(names).values() if p.credential == label]
    for profile in profiles:
        request = EnrollRequest(
            csr_pem="",
            common_name=profile.common_name,
            dns_names=profile.dns_names,
            request_id="validate",
            cert_type=profile.cert_type,
            term_days=profile.term_days,
            org_id=profile.org_id,
        )
        try:
            product = await ca.resolve_product(request)
        except PancertError as exc:
            report.fail(f"{profile.source}: sectigo_ssl_cert_type: {exc}")
            continue
        what = ", ".join(
            part
            for part in (
                f"type {product.cert_type_id or ''} {product.cert_type_name or ''}".strip(),
                f"term {product.term_days} days" if product.term_days else "",
                f"organization {product.org_id}" if product.org_id else "",
            )
            if part and part != "type"
        )
        report.ok(f"profile {profile.name} orders {what or 'what the REST account defines'}")
    if ca.api is ApiKind.ADMIN:
        await _check_auto_renew(loaded, {p.name for p in profiles}, ca, report)


async def _check_auto_renew(
    loaded: LoadedConfig, profiles: set[str], authority: AuthorityDiagnostics, report: OnlineReport
) -> None:
    for record in Journal(loaded.state_path).records():
        if record.profile not in profiles or record.current_order_id is None:
            continue
        try:
            details = await authority.details(record.current_order_id)
        except PancertError as exc:
            report.warn(f"{record.profile}: cannot read SCM order {record.current_order_id}: {exc}")
            continue
        if (details.auto_renew_state or "").strip().lower() in _AUTO_RENEWING:
            report.warn(
                f"{record.profile} on {record.firewall}: SCM's own auto-renewal is "
                f"{details.auto_renew_state} for order {record.current_order_id}; it "
                "would order behind pancert's back — turn it off in SCM"
            )


async def _check_firewall(
    connector: DiagnosticsConnector,
    firewall: FirewallProfile,
    locations: list[str],
    report: OnlineReport,
) -> None:
    where = f"firewall {firewall.name} ({firewall.address})"
    if firewall.mode == "panorama-template":
        report.ok(f"{where}: template mode; the Panorama check above covers its devices")
        return
    try:
        async with connector.firewall_diagnostics(firewall) as fw:
            version = await fw.version()
            info = await fw.system_info()
            ha = await fw.ha_state()
            for location in locations:
                await fw.certificates(Location(location))
    except PancertError as exc:
        report.fail(f"{where}: {exc}")
        return
    report.ok(
        f"{where}: TLS identity verified, API key accepted; {info.model} PAN-OS "
        f"{version}, serial {info.serial}; configuration reads allowed in "
        f"{', '.join(locations)}"
    )
    if ha.passive:
        report.fail(f"{where}: this is the passive HA peer; point the profile at the active peer")
    elif ha.enabled:
        role = "writes go to the active peer; " if firewall.is_ha_pair else ""
        report.ok(f"{where}: HA {ha.local_state}, {role}running config {ha.running_sync}")
    if firewall.commit_user is None:
        report.fail(f"{firewall.source}: paloalto_commit_user: required to commit")
    report.lines.append(
        f"note: {where}: import and commit rights are proven by the first "
        "renewal (checking them would change the firewall)"
    )


def run_online(
    loaded: LoadedConfig, names: list[str] | None, connector: DiagnosticsConnector
) -> OnlineReport:
    return asyncio.run(check_online(loaded, names, connector))
