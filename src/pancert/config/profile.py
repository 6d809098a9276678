"""The certificate profile model: one ``<name>.yaml`` in ``cert_profile_path``.

Keys are the guide's ("Certificate profile" table), the names Sectigo's SDK uses for what the
guide leaves implicit (``sectigo_cm_org_id``, ``sectigo_ssl_cert_validity``, …), and pancert's
own (``sectigo_revoke_superseded``, ``paloalto_location``, ``paloalto_bindings``,
``paloalto_allow_management``). See the README's configuration section.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic import model_validator as _model_validator

from pancert.config.fields import (
    COUNTRIES,
    Bool,
    Int,
    OptionalText,
    check_dns_name,
    check_email,
    invalid,
    profile_name,
    split_list,
)
from pancert.panos.models import KeyAlgorithm
from pancert.panos.xpaths import InvalidNameError, check_name

__all__ = ["KEY_SIZES", "MAX_PROFILE_NAME", "Binding", "CertificateProfile", "check_profile_name"]

KEY_SIZES: dict[KeyAlgorithm, tuple[int, ...]] = {
    KeyAlgorithm.RSA: (2048, 3072, 4096),
    KeyAlgorithm.EC: (256, 384, 521),
}
"""The guide's key types and sizes ("The following key types are supported")."""
DEFAULT_KEY_SIZE = {KeyAlgorithm.RSA: 2048, KeyAlgorithm.EC: 256}
MAX_PROFILE_NAME = 54
"""Rotated objects are named ``<profile>-<8 base32>`` and PAN-OS names stop at 63 characters."""
MAX_COMMON_NAME = 64
"""RFC 5280 Appendix A, ``ub-common-name``."""
BINDING_KINDS = ("ssl_tls_service_profile", "decryption_rule")

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_LOCATION = re.compile(r"^(shared|vsys[1-9][0-9]*)$")


def check_profile_name(name: str) -> str | None:
    """Why ``name`` cannot name certificate objects on a firewall, or None when it can."""
    if len(name) > MAX_PROFILE_NAME:
        return f"{len(name)} characters is too long (room is kept for the rotation suffix)"
    if not _NAME.match(name):
        return "must start with a letter or digit and use only letters, digits, '.', '_', '-'"
    return None


class Binding(BaseModel):
    """A configuration object that must use the profile's certificate."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["ssl_tls_service_profile", "decryption_rule"]
    name: str


def _bindings(value: Any) -> Any:
    if value is None:
        return ()
    if not isinstance(value, list):
        return value
    allowed = "a list of {ssl_tls_service_profile: NAME} or {decryption_rule: NAME}"
    result: list[Binding] = []
    for item in value:
        if not isinstance(item, dict) or len(item) != 1:
            raise invalid(f"{item!r} is not a one-key mapping", allowed)
        ((kind, name),) = item.items()
        kind = str(kind).strip().lower()
        if kind not in BINDING_KINDS or not isinstance(name, str) or not name.strip():
            raise invalid(f"{item!r} is not a binding", allowed)
        try:
            # the name goes into an XPath predicate: the client's own rule decides
            check_name(name.strip())
        except InvalidNameError as exc:
            raise invalid(f"{kind}: {exc}", allowed) from None
        binding = Binding(kind=kind, name=name.strip())
        if binding in result:
            raise invalid(f"{kind} {name!r} is listed twice", "each binding once")
        result.append(binding)
    return tuple(result)


def _firewall_names(value: Any) -> Any:
    names = split_list(value)
    if not isinstance(names, list):
        return value
    return tuple(profile_name(n) for n in names)


def _cert_type(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        return text.upper() if text.upper() in ("DV", "OV", "EV") else text
    return value


def _key_word(value: object) -> str:
    """The key type as written, in the enum's spelling where it has one (ECDSA is EC)."""
    kind = str(value).strip().upper()
    return "EC" if kind == "ECDSA" else kind


def _is_ip(name: str) -> bool:
    # an IPv4 address is digits and dots, an IPv6 one has a colon: a DNS name is answered
    # without the ValueError, which costs more than the rest of resolving a profile
    if ":" not in name and not name.replace(".", "").isdigit():
        return False
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _text(value: Any) -> Any:
    return "" if value is None else value


class CertificateProfile(BaseModel):
    """One certificate, deployed to one or more firewalls. Frozen; hash with
    :meth:`content_hash` to tell "the same request" from "a changed request"."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    name: str
    """The file stem (``web`` for ``web.yaml``): the first object's name on the firewall."""
    source: Path
    firewall_profiles: Annotated[tuple[str, ...], BeforeValidator(_firewall_names)] = Field(
        alias="paloalto_fw_profile", min_length=1
    )
    credential: str = Field(alias="scm_credential_detail", min_length=1)
    cert_type: Annotated[str | int | None, BeforeValidator(_cert_type)] = Field(
        None, alias="sectigo_ssl_cert_type"
    )
    comments: Annotated[str, BeforeValidator(_text)] = Field("", alias="sectigo_ssl_cert_comments")
    external_requester: OptionalText = Field(None, alias="sectigo_ssl_cert_external_requester")
    common_name: str = Field(alias="sectigo_csr_domain")
    sans: Annotated[tuple[str, ...], BeforeValidator(split_list)] = Field(
        (), alias="sectigo_ssl_cert_subject_alt_names", validate_default=True
    )
    country: OptionalText = Field(None, alias="sectigo_csr_country")
    state: OptionalText = Field(None, alias="sectigo_csr_state", max_length=128)
    locality: OptionalText = Field(None, alias="sectigo_csr_location", max_length=128)
    organization: OptionalText = Field(None, alias="sectigo_csr_organization", max_length=64)
    organization_unit: OptionalText = Field(
        None, alias="sectigo_csr_organization_unit", max_length=64
    )
    email: OptionalText = Field(None, alias="sectigo_csr_email_address")
    key_type: KeyAlgorithm = Field(KeyAlgorithm.RSA, alias="sectigo_csr_key_type")
    key_size: Int = Field(alias="sectigo_csr_key_size")
    force_renewal: Bool = Field(False, alias="sectigo_force_renewal")
    expiry_window_days: Int = Field(30, ge=0, le=366, alias="sectigo_expiry_window")
    auto_renew: Bool = Field(True, alias="sectigo_auto_renew")
    org_id: Int | None = Field(None, ge=1, alias="sectigo_cm_org_id")
    term_days: Int | None = Field(None, ge=1, alias="sectigo_ssl_cert_validity")
    custom_fields: dict[str, str] = Field(
        default_factory=dict, alias="sectigo_ssl_cert_custom_fields"
    )
    num_servers: Int | None = Field(None, ge=0, alias="sectigo_ssl_cert_num_servers")
    server_type: Int | None = Field(None, alias="sectigo_ssl_cert_server_type")
    revoke_superseded: Bool = Field(False, alias="sectigo_revoke_superseded")
    location: str = Field("shared", alias="paloalto_location")
    bindings: Annotated[tuple[Binding, ...], BeforeValidator(_bindings)] = Field(
        (), alias="paloalto_bindings"
    )
    allow_management: Bool = Field(False, alias="paloalto_allow_management")

    @_model_validator(mode="before")
    @classmethod
    def _default_key_size(cls, data: Any) -> Any:
        """The size defaults by type (RSA 2048, EC 256) when the profile names none."""
        if isinstance(data, dict) and data.get("sectigo_csr_key_size") in (None, ""):
            kind = _key_word(data.get("sectigo_csr_key_type") or "RSA")
            size = DEFAULT_KEY_SIZE[KeyAlgorithm(kind)] if kind in KEY_SIZES else 2048
            data = {**data, "sectigo_csr_key_size": size}
        return data

    @field_validator("firewall_profiles")
    @classmethod
    def _firewall_files(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if "/" in name or "\\" in name:
                raise invalid(f"{name!r} is a path", "a fw_*.yaml file name in cert_profile_path")
        return tuple(dict.fromkeys(value))

    @field_validator("credential", mode="before")
    @classmethod
    def _label(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("common_name", mode="before")
    @classmethod
    def _cn(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if not value.strip():
            raise invalid("is empty", "the certificate's domain, e.g. www.example.com")
        name = check_dns_name(value, allow_ip=False)
        if len(name) > MAX_COMMON_NAME:
            raise invalid(f"{len(name)} characters is too long", f"≤ {MAX_COMMON_NAME}")
        return name

    @field_validator("sans")
    @classmethod
    def _sans(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        """The CN always comes first; names are lower-cased and listed once."""
        names = [check_dns_name(v, allow_ip=True) for v in value]
        cn = info.data.get("common_name")
        return tuple(dict.fromkeys([cn, *names] if cn else names))

    @field_validator("country", mode="after")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.upper() not in COUNTRIES:
            raise invalid(f"{value!r} is not a country code", "ISO 3166-1 alpha-2, e.g. GB, US, NO")
        return value.upper()

    @field_validator("email", mode="after")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else check_email(value)

    @field_validator("external_requester", mode="after")
    @classmethod
    def _requesters(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return ",".join(check_email(e) for e in split_list(value))

    @field_validator("key_type", mode="before")
    @classmethod
    def _key_type(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return KeyAlgorithm.RSA  # not set, as for every optional key (README)
        if not isinstance(value, str):
            return value
        kind = _key_word(value)
        if kind not in KEY_SIZES:
            raise invalid(f"{value!r} is not a key type", "RSA, EC")
        return KeyAlgorithm(kind)

    @field_validator("key_size")
    @classmethod
    def _key_size(cls, value: int, info: ValidationInfo) -> int:
        kind = info.data.get("key_type")
        if isinstance(kind, KeyAlgorithm) and value not in KEY_SIZES[kind]:
            allowed = ", ".join(map(str, KEY_SIZES[kind]))
            raise invalid(f"{value} is not a valid {kind} key size", allowed)
        if value not in {size for sizes in KEY_SIZES.values() for size in sizes}:
            allowed = "; ".join(f"{k} {', '.join(map(str, v))}" for k, v in KEY_SIZES.items())
            raise invalid(f"{value} is not a valid key size", allowed)
        return value

    @field_validator("custom_fields", mode="before")
    @classmethod
    def _custom(cls, value: Any) -> Any:
        if value is None:
            return {}
        if isinstance(value, dict):
            return {str(k).strip(): "" if v is None else str(v) for k, v in value.items()}
        return value

    @field_validator("location", mode="before")
    @classmethod
    def _location(cls, value: Any) -> Any:
        if value is None or value == "":
            return "shared"
        if isinstance(value, str) and _LOCATION.match(value.strip().lower()):
            return value.strip().lower()
        raise invalid(f"{value!r} is not a location", "shared, vsys1, vsys2, …")

    @property
    def dns_names(self) -> tuple[str, ...]:
        """The SANs that are DNS names (the CN first); IP addresses are apart."""
        return tuple(n for n in self.sans if not _is_ip(n))

    @property
    def ip_addresses(self) -> tuple[str, ...]:
        """The SANs that are IP addresses (canonical text, as validated)."""
        return tuple(n for n in self.sans if _is_ip(n))

    def content_hash(self) -> str:
        """SHA-256 of what the profile asks for (everything but where the file lives), stable
        across runs and key order: "force renewal" fires once per distinct content."""
        content = self.model_dump(mode="json", exclude={"source"})
        text = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()
