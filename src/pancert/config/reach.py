"""How a firewall profile is reached: its own URL (or an HA pair's two), or a Panorama with a
serial/hostname (device mode) or a template (template mode). Checked by the loader, which
names the file and field of each problem."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pancert.config.models import FirewallProfile


def reach_problems(profile: FirewallProfile) -> list[tuple[str, str, str]]:
    """(field, problem, allowed) for how the firewall is reached: its own URL, or a
    Panorama with a serial/hostname (device mode) or a template (template mode)."""
    panorama = "the Panorama's firewall profile, e.g. fw_panorama"
    if profile.panorama is None:
        problems = []
        if not profile.urls:
            problems.append(("paloalto_url", "required", "https://HOST[:PORT]"))
        for field, value in (
            ("paloalto_serial", profile.serial),
            ("paloalto_device", profile.device),
            ("paloalto_template", profile.template),
            ("paloalto_mode", None if profile.mode == "device" else profile.mode),
        ):
            if value is not None:
                problems.append((field, "needs paloalto_panorama", panorama))
        return problems
    if profile.is_ha_pair:
        return [
            (
                "paloalto_url",
                "an HA pair is reached at its two peers, not through Panorama",
                "one URL beside paloalto_panorama, or drop paloalto_panorama",
            )
        ]
    if profile.mode == "panorama-template":
        if not profile.template:
            return [("paloalto_template", "required in panorama-template mode", "a template")]
        if profile.serial or profile.device:
            return [
                (
                    "paloalto_mode",
                    "panorama-template takes no paloalto_serial/paloalto_device",
                    "device (the default) to reach one firewall through Panorama",
                )
            ]
        return []
    if (profile.serial is None) == (profile.device is None):
        return [
            (
                "paloalto_serial",
                "a firewall behind Panorama needs exactly one of paloalto_serial and "
                "paloalto_device",
                "the device's serial, or paloalto_device: its hostname",
            )
        ]
    if profile.serial is not None and not re.fullmatch(r"[A-Za-z0-9]{1,32}", profile.serial):
        return [("paloalto_serial", f"{profile.serial!r} is not a serial number", "0079…")]
    return []
