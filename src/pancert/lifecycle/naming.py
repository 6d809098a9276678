"""Object names, request ids, and which objects are pancert's.

The first object is named exactly like the profile (``web.yaml`` → ``web``), as the Sectigo
agent names it. PAN-OS refuses to generate a CSR under an existing name, so every later
rotation creates ``<profile>-<8 characters>`` and deletes the superseded object afterwards
(docs/architecture.md). Profile names are ≤ 54 characters, so object names stay ≤ 63 (the
firewall limit).

A name never proves ownership. pancert touches (adopts, rebinds away from, deletes) only
objects its journal names; the one exception is adopting the Sectigo agent's object, named
exactly like the profile *and* carrying the profile's CN and SANs (:func:`adoptable`).

The suffix begins with a digit 2-7 and continues with 7 base32 characters. The earlier
suffix was any 8 characters of ``[a-z2-7]``: every 8-letter word (``internal``,
``frontend``, ``external``) has that shape, so a person's ``web-internal`` looked exactly
like a rotation of ``web``. A leading digit keeps words out. Names journalled under the
earlier rule stay pancert's: ownership comes from the journal, not from the shape.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Container

from pancert.lifecycle.journal import PairRecord
from pancert.lifecycle.plan import Wanted, sans_difference
from pancert.panos.models import CertificateEntry

SUFFIX_LENGTH = 8
MAX_PROFILE_NAME = 54
_LEADING = "234567"
_SUFFIXED = re.compile(r"^(?P<profile>.+)-(?P<suffix>[2-7][a-z2-7]{7})$")


def new_request_id() -> str:
    """A fresh idempotency token for one rotation; it also names the new object."""
    return uuid.uuid4().hex


def object_name(profile: str, request_id: str, *, first: bool) -> str:
    if first:
        return profile
    raw = bytes.fromhex(request_id)
    rest = base64.b32encode(raw[1:]).decode("ascii").lower()
    return f"{profile}-{_LEADING[raw[0] % len(_LEADING)]}{rest[: SUFFIX_LENGTH - 1]}"


def fresh_rotation(profile: str, taken: Container[str], *, first: bool) -> tuple[str, str]:
    """A request id and the object name it gives, never a name already on the firewall
    (generating a CSR there would reuse someone else's entry)."""
    request_id = new_request_id()
    name = object_name(profile, request_id, first=first)
    while name in taken:
        request_id = new_request_id()
        name = object_name(profile, request_id, first=False)
    return request_id, name


def is_rotation_of(name: str, profile: str) -> bool:
    """Whether ``name`` has the shape of one of this profile's objects. For reports and
    tests only: the journal, never the shape, decides what pancert may touch."""
    if name == profile:
        return True
    match = _SUFFIXED.match(name)
    return match is not None and match.group("profile") == profile


def owned(record: PairRecord) -> set[str]:
    """The objects the journal names for this pair: the only ones pancert may touch."""
    names = {*record.owned_objects, *record.kept_superseded}
    if record.current_object:
        names.add(record.current_object)
    return names


def adoptable(entry: CertificateEntry | None, wanted: Wanted) -> bool:
    """The Sectigo agent's object for this profile: named exactly like it, signed, and
    carrying the profile's CN and its SANs, no fewer and no others (the ``www.``/apex twin
    SCM adds aside, as the planner allows). Anything less is someone else's."""
    if entry is None or entry.name != wanted.profile or entry.certificate_pem is None:
        return False
    if (entry.common_name or "").lower() != wanted.common_name.lower():
        return False
    missing, extra = sans_difference(wanted.dns_names, entry.dns_names)
    return not missing and not extra


def look_alikes(names: list[str], profile: str) -> list[str]:
    """Objects a person might take for this profile's: the same name, or the name and a
    hyphen. Reported as foreign when the journal does not name them."""
    return sorted(n for n in names if n == profile or n.startswith(f"{profile}-"))
