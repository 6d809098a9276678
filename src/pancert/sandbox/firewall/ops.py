"""Operational commands (``type=op``) of the sandbox firewall: certificate generation (in
:mod:`.handlers`), jobs, locks, system facts, HA state, pending changes, Panorama status,
``request certificate show`` and ``show config running|candidate`` (panos.md §4, §7, §10).
"""

from __future__ import annotations

import copy
import time

from lxml import etree

from pancert.sandbox.firewall import certs
from pancert.sandbox.firewall.changes import certificates_xpath
from pancert.sandbox.firewall.firewall import Firewall
from pancert.sandbox.firewall.handlers import generate, location_of, parse_xml
from pancert.sandbox.firewall.replies import ApiError, Reply, element, success


def op_kind(cmd: etree._Element) -> str:
    path = [cmd.tag, *(c.tag for c in cmd.iterdescendants())][:3]
    table = {
        ("request", "certificate", "generate"): "generate",
        ("show", "jobs"): "show_jobs",
        ("show", "commit-locks"): "show_locks",
        ("show", "config-locks"): "show_locks",
        ("request", "certificate", "show"): "certificate_show",
        ("show", "config", "running"): "show_config",
        ("show", "config", "candidate"): "show_config",
        ("show", "system", "info"): "system_info",
        ("show", "high-availability", "state"): "ha_state",
        ("show", "high-availability", "all"): "ha_state",
        ("request", "high-availability", "sync-to-remote"): "ha_sync",
        ("check", "pending-changes"): "pending_changes",
        ("show", "panorama-status"): "panorama_status",
    }
    for key, kind in table.items():
        if tuple(str(p) for p in path[: len(key)]) == key:
            return kind
    if cmd.tag == "request" and len(cmd) and cmd[0].tag in ("config-lock", "commit-lock"):
        return "lock"
    return "op"


async def op(fw: Firewall, user: str, params: dict[str, str]) -> Reply:
    cmd = parse_xml(params.get("cmd", ""), "cmd")
    kind = op_kind(cmd)
    if kind == "generate":
        return await generate(fw, user, cmd.find("certificate/generate"), location_of(params))
    if kind == "show_jobs":
        return show_jobs(fw, cmd.find("jobs"))
    if kind == "show_locks":
        return show_locks(fw, str(cmd[0].tag))
    if kind == "certificate_show":
        return certificate_show(fw, location_of(params))
    if kind == "show_config":
        root = fw.running if cmd[0][0].tag == "running" else fw.candidate
        return success(copy.deepcopy(root))
    if kind == "system_info":
        return system_info(fw)
    if kind == "ha_state":
        return ha_state(fw)
    if kind == "ha_sync" and fw.ha is not None:
        return fw.ha.sync_to_remote(fw)
    if kind == "pending_changes":
        fw.settle()
        return success(text="yes" if fw.changes else "no")
    if kind == "panorama_status":
        if not fw.settings.panorama_managed:
            return success(text="")
        connected = "yes" if fw.settings.panorama_connected else "no"
        return success(text=f"Panorama Server 1 : 192.0.2.10\n    Connected     : {connected}\n")
    if kind == "lock":
        return lock(fw, user, cmd[0])
    raise ApiError(17, f" {cmd.tag} -> {cmd[0].tag if len(cmd) else ''} is unexpected")


def lock(fw: Firewall, user: str, node: etree._Element) -> Reply:
    attribute = "config_lock" if node.tag == "config-lock" else "commit_lock"
    holder = getattr(fw, attribute)
    if node.find("add") is not None:
        if holder not in (None, user):
            label = "Config" if attribute == "config_lock" else "Commit"
            raise ApiError(13, f"{label} lock is already held by {holder}")
        setattr(fw, attribute, user)
        return success(text="Successfully acquired lock")
    if holder is None:
        raise ApiError(
            13,
            f"{'Config is' if attribute == 'config_lock' else 'Commit lock is'} not currently held",
        )
    setattr(fw, attribute, None)
    return success(text="Successfully released lock")


_CONTENT = {
    # field set of a PA-VM's "show system info" (pan-os-python reads sw-version, model,
    # serial, app-version and multi-vsys in refresh_system_info / Firewall._save_system_info)
    "app-version": "8971-9419",
    "app-release-date": "2025/04/28 16:06:06 UTC",
    "av-version": "5169-5689",
    "av-release-date": "2025/04/29 05:00:05 UTC",
    "threat-version": "8971-9419",
    "threat-release-date": "2025/04/28 16:06:06 UTC",
    "wf-private-version": "0",
    "wf-private-release-date": "unknown",
    "url-db": "paloaltonetworks",
    "wildfire-version": "955464-959418",
    "wildfire-release-date": "2025/02/24 07:42:12 UTC",
    "wildfire-rt": "Disabled",
    "url-filtering-version": "20250430.20332",
    "global-protect-datafile-version": "unknown",
    "global-protect-datafile-release-date": "unknown",
    "global-protect-clientless-vpn-version": "0",
    "logdb-version": "11.1.0",
    "vpn-disable-mode": "off",
    "operational-mode": "normal",
    "advanced-routing": "off",
    "device-certificate-status": "None",
}


def system_info(fw: Firewall) -> Reply:
    s = fw.settings
    fields = {
        "hostname": fw.name,
        "ip-address": "127.0.0.1",
        "public-ip-address": "unknown",
        "netmask": "255.0.0.0",
        "default-gateway": "127.0.0.1",
        "is-dhcp": "no",
        "ipv6-address": "unknown",
        "ipv6-link-local-address": "fe80::1/64",
        "mac-address": "00:50:56:00:00:01",
        "time": time.strftime("%a %b %d %H:%M:%S %Y"),
        "uptime": "0 days, 1:00:00",
        "devicename": fw.name,
        "family": "vm",
        "model": s.model,
        "serial": fw.serial,
        "cloud-mode": "non-cloud",
        "sw-version": s.sw_version,
        "global-protect-client-package-version": "0.0.0",
        "device-dictionary-version": "144-516",
        **_CONTENT,
        "multi-vsys": "on" if s.multi_vsys else "off",
        "platform-family": "vm",
    }
    return success(element("system", None, *(element(k, v) for k, v in fields.items())))


def ha_state(fw: Firewall) -> Reply:
    if fw.ha is not None:
        return fw.ha.state_reply(fw)
    if not fw.settings.ha_passive and not fw.settings.ha_enabled:
        return success(element("enabled", "no"))
    local = "passive" if fw.settings.ha_passive else "active"
    peer = "active" if local == "passive" else "passive"
    group = element(
        "group",
        None,
        element("mode", "Active-Passive"),
        element("local-info", None, element("state", local)),
        element("peer-info", None, element("state", peer)),
        element("running-sync", "synchronized"),
        element("running-sync-enabled", "yes"),
    )
    return success(element("enabled", "yes"), group)


def show_jobs(fw: Firewall, jobs: etree._Element | None) -> Reply:
    """``show jobs id N`` (one job) or ``show jobs all`` (every job, newest first)."""
    fw.settle()
    if jobs is not None and jobs.find("all") is not None:
        return success(*(fw.job_xml(j) for j in sorted(fw.jobs.values(), key=lambda j: -j.id)))
    job_id = ((jobs.findtext("id") if jobs is not None else None) or "").strip().strip('"')
    job = fw.jobs.get(int(job_id)) if job_id.isdigit() else None
    if job is None:
        raise ApiError(None, f"job {job_id} not found")
    return success(fw.job_xml(job))


def show_locks(fw: Firewall, which: str) -> Reply:
    """``show commit-locks`` / ``show config-locks``: one entry per holder (pan-os-python's
    ``check_commit_locks`` looks for any ``.//entry``)."""
    holder = fw.commit_lock if which == "commit-locks" else fw.config_lock
    locks = element(which)
    if holder is not None:
        locks.append(
            element(
                "entry",
                None,
                element("created", time.strftime("%Y/%m/%d %H:%M:%S")),
                element("last-activity", time.strftime("%Y/%m/%d %H:%M:%S")),
                element("loggedin", "yes"),
                element("comment", "sandbox"),
            )
        )
        locks[0].set("name", holder)
    return success(locks)


def certificate_show(fw: Firewall, location: str) -> Reply:
    """``request certificate show``: the location's certificates in the listing shape of
    panos-samples/op-certificate-list-sanitized-fixture.xml (``CN = x`` subjects,
    ``expiry`` epoch)."""
    entries = fw.candidate.xpath(certificates_xpath(location) + "/entry")
    assert isinstance(entries, list)
    listed = []
    for entry in entries:
        if not isinstance(entry, etree._Element) or entry.find("public-key") is None:
            continue
        listed.append(certs.listing_entry(entry))
    return success(*listed)
