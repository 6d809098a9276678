"""Object names and request ids.

The first object is named exactly like the profile (``web.yaml`` → ``web``), as the Sectigo
agent names it. PAN-OS refuses to generate a CSR under an existing name, so every later
rotation creates ``<profile>-<8 base32 characters of the request id>`` and deletes the
superseded object afterwards (ARCHITECTURE.md §3). Profile names are ≤ 54 characters, so
object names stay ≤ 63 (the firewall limit).
"""

from __future__ import annotations

import base64
import re
import uuid

SUFFIX_LENGTH = 8
MAX_PROFILE_NAME = 54
_SUFFIXED = re.compile(r"^(?P<profile>.+)-(?P<suffix>[a-z2-7]{8})$")


def new_request_id() -> str:
    """A fresh idempotency token for one rotation; it also names the new object."""
    return uuid.uuid4().hex


def object_name(profile: str, request_id: str, *, first: bool) -> str:
    if first:
        return profile
    suffix = base64.b32encode(bytes.fromhex(request_id)).decode("ascii").lower()
    return f"{profile}-{suffix[:SUFFIX_LENGTH]}"


def is_rotation_of(name: str, profile: str) -> bool:
    """Whether ``name`` is one of this profile's objects by pancert's naming rule."""
    if name == profile:
        return True
    match = _SUFFIXED.match(name)
    return match is not None and match.group("profile") == profile
