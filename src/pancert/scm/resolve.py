"""Choosing certificate type, term and organization for an order (scm.md §3.1, §5).

Pure functions over what ``/types`` and ``/organization/v1`` returned, so the rules are tested
without a server. Each failure lists what the tenant offers, so the user can fix the profile.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pancert.scm.errors import ScmProtocolError, ScmResolutionError

LEVELS = ("DV", "OV", "EV")
_LEVEL_WORDS = {
    "DV": re.compile(r"\bDV\b|domain[ -]validat", re.IGNORECASE),
    "OV": re.compile(r"\bOV\b|organi[sz]ation[ -]validat", re.IGNORECASE),
    "EV": re.compile(r"\bEV\b|extended[ -]validat", re.IGNORECASE),
}
CABF_LIMITS: tuple[tuple[dt.date, int], ...] = (
    (dt.date(2029, 3, 15), 47),
    (dt.date(2027, 3, 15), 100),
    (dt.date(2026, 3, 15), 200),
)
"""CA/Browser Forum maximum TLS validity in days from each date on (ballot SC-081); 397 before."""


def cabf_max_days(on: dt.date) -> int:
    for since, days in CABF_LIMITS:
        if on >= since:
            return days
    return 397


@dataclass(frozen=True)
class CertTypeInfo:
    id: int
    name: str
    terms: tuple[int, ...]
    key_types: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, item: Any) -> CertTypeInfo:
        try:
            keys = item.get("keyTypes") or {}
            return cls(
                id=int(item["id"]),
                name=str(item["name"]),
                terms=tuple(int(t) for t in item.get("terms") or ()),
                key_types={str(k): tuple(str(x) for x in v) for k, v in keys.items()},
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ScmProtocolError(f"unreadable certificate type in /types: {item!r:.200}") from exc

    def describe(self) -> str:
        keys = "; ".join(f"{k} {', '.join(v)}" for k, v in self.key_types.items()) or "-"
        terms = ", ".join(str(t) for t in self.terms) or "-"
        return f"{self.id} {self.name!r} (terms: {terms}; keys: {keys})"


@dataclass(frozen=True)
class OrgInfo:
    id: int
    name: str
    departments: tuple[tuple[int, str], ...] = ()

    def describe(self) -> str:
        deps = ", ".join(f"{i} {n!r}" for i, n in self.departments)
        return f"{self.id} {self.name!r}" + (f" (departments: {deps})" if deps else "")


def _listing(types: Sequence[CertTypeInfo]) -> str:
    return "; ".join(t.describe() for t in types) or "none visible to this credential"


def choose_type(
    wanted: str | int | None,
    types: Sequence[CertTypeInfo],
    type_map: Mapping[str, str | int] | None,
    *,
    label: str,
) -> CertTypeInfo:
    """A numeric id or an exact type name is used as given; DV/OV/EV goes through the
    credential's ``sectigo_cert_type_map``, else through type names when exactly one type
    names that level; no type at all works only when the tenant offers exactly one."""
    if wanted is None:
        if len(types) == 1:
            return types[0]
        raise ScmResolutionError(
            f"no certificate type set and credential {label!r} sees several: {_listing(types)}"
        )
    text = str(wanted).strip()
    if text.isdigit():
        for cert_type in types:
            if cert_type.id == int(text):
                return cert_type
        raise ScmResolutionError(f"certificate type id {text} is not offered: {_listing(types)}")
    for cert_type in types:
        if cert_type.name == text:
            return cert_type
    level = text.upper()
    if level in LEVELS:
        mapped = (type_map or {}).get(level, (type_map or {}).get(level.lower()))
        if mapped is not None and str(mapped).strip().upper() not in LEVELS:
            return choose_type(mapped, types, None, label=label)
        matching = [t for t in types if _LEVEL_WORDS[level].search(t.name)]
        if len(matching) == 1:
            return matching[0]
        how = "several types match" if matching else "no type name says so"
        raise ScmResolutionError(
            f"certificate type {level} is ambiguous for credential {label!r} ({how}); set "
            f"sectigo_cert_type_map or a type id/name. Types: {_listing(types)}"
        )
    raise ScmResolutionError(f"certificate type {text!r} is not offered: {_listing(types)}")


def choose_term(requested: int | None, cert_type: CertTypeInfo, today: dt.date) -> int:
    """The profile's term as given, else the longest the type offers within the CA/B limit."""
    if requested is not None:
        return requested
    limit = cabf_max_days(today)
    fitting = [t for t in cert_type.terms if t <= limit]
    if not fitting:
        raise ScmResolutionError(
            f"certificate type {cert_type.describe()} offers no term within the CA/Browser "
            f"Forum maximum of {limit} days on {today.isoformat()}; set a term in the profile"
        )
    return max(fitting)


def choose_org(requested: int | None, orgs: Sequence[OrgInfo], *, label: str) -> int:
    if requested is not None:
        return requested
    if len(orgs) == 1:
        return orgs[0].id
    listing = "; ".join(o.describe() for o in orgs) or "none visible to this credential"
    raise ScmResolutionError(
        f"no organization id set for credential {label!r} and it sees "
        f"{'several' if orgs else 'none'}: {listing}"
    )


def org_from_json(item: Any) -> OrgInfo:
    try:
        deps = tuple((int(d["id"]), str(d.get("name", ""))) for d in item.get("departments") or ())
        return OrgInfo(id=int(item["id"]), name=str(item.get("name", "")), departments=deps)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise ScmProtocolError(f"unreadable organization: {item!r:.200}") from exc
