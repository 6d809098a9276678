"""Models of config.yaml, firewall profiles (``fw_*.yaml``) and ``sectigo_credentials.yaml``.

Keys are the Sectigo agent's (guide: "Configuration file", "Firewall profile", "Credentials
file") plus pancert's own, documented in the README's configuration section. Models are frozen
and validated purely: relative paths resolve against the ``base`` folder passed as validation
context, never against the process's working directory.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from pancert.config.fields import (
    MIN_SECRET_LENGTH,
    Bool,
    Int,
    OptionalText,
    check_email,
    invalid,
    parse_int,
    resolve_path,
    split_list,
)
from pancert.ops.settings import OpsSettings

__all__ = ["AppConfig", "FirewallProfile", "ScmCredential", "Secret", "check_https_url"]

_FROZEN = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")


def _secret_text(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return str(value).strip() if isinstance(value, str | int) else value


def _long_enough(value: SecretStr | None) -> SecretStr | None:
    if value is not None and len(value.get_secret_value()) < MIN_SECRET_LENGTH:
        raise invalid("too short to be a real secret", f"at least {MIN_SECRET_LENGTH} characters")
    return value


Secret = Annotated[SecretStr | None, BeforeValidator(_secret_text), AfterValidator(_long_enough)]
"""A secret from a file: never printed (pydantic masks it) and registered for redaction."""


def check_https_url(value: str, *, bare_host_ok: bool = False) -> str:
    """An ``https://`` URL without credentials, query or fragment (secrets never go in URLs)."""
    text = value.strip()
    if bare_host_ok and "://" not in text:
        text = f"https://{text}"
    allowed = "https://HOST[:PORT][/PATH]"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise invalid(f"{value!r} is not a valid URL", allowed) from exc
    if parts.scheme != "https":
        raise invalid(f"{value!r} must use https (TLS is never optional here)", allowed)
    if not parts.hostname or parts.username or parts.password or parts.query or parts.fragment:
        raise invalid(f"{value!r} must be a plain host URL, no user, query or fragment", allowed)
    return text


def _https(value: Any) -> Any:
    return check_https_url(value) if isinstance(value, str) else value


def _optional_https(value: Any) -> Any:
    value = _secret_text(value)
    return check_https_url(value) if isinstance(value, str) else value


class AppConfig(OpsSettings):
    """config.yaml. Defaults are the guide's; ``base`` (the file's folder) is the default for
    the log and profile folders, and the state folder defaults to the profile folder, where the
    Sectigo agent keeps its ``.ids`` files."""

    model_config = _FROZEN

    log_file: str = Field("sectigo_pycert.log", alias="sectigo_log_file", min_length=1)
    log_path: Path = Field(alias="sectigo_log_path")
    cert_profile_path: Path = Field(alias="cert_profile_path")
    scm_url: Annotated[str, BeforeValidator(_https)] = Field(alias="sectigo_scm_url")
    log_level: Literal["INFO", "DEBUG"] = Field("INFO", alias="sectigo_log_level")
    log_size_mb: float = Field(
        1,
        gt=0,
        validation_alias=AliasChoices("sectigo_log_size_mb", "sectigo_logger_size_mb"),
    )
    logger_count: Int = Field(
        10, ge=1, validation_alias=AliasChoices("sectigo_logger_count", "sectigo_log_count")
    )
    sleep_download: float = Field(1, ge=0, alias="sectigo_sleep_download")
    encrypt_credentials: Bool = Field(False, alias="sectigo_encrypt_credentials")
    gnu_keys: Annotated[tuple[str, ...], BeforeValidator(split_list)] = Field(
        (), alias="sectigo_gnu_key"
    )
    """GnuPG fingerprints: one, as in the guide, or a list / comma-separated several."""
    state_path: Path = Field(alias="pancert_state_path")
    max_parallel_firewalls: Int = Field(10, ge=1, le=256, alias="pancert_max_parallel_firewalls")
    auth_url: Annotated[str | None, BeforeValidator(_optional_https)] = Field(
        None, alias="sectigo_auth_url"
    )
    scm_ca_bundle: Path | None = Field(None, alias="sectigo_ca_bundle")
    collect_timeout: float = Field(300, ge=0, alias="sectigo_collect_timeout")
    commit_timeout: float = Field(1800, gt=0, alias="paloalto_commit_timeout")
    age_recipients: Annotated[tuple[str, ...], BeforeValidator(split_list)] = Field(
        (), alias="pancert_age_recipients"
    )
    gnupg_home: Path | None = Field(None, alias="pancert_gnupg_home")

    @model_validator(mode="before")
    @classmethod
    def _folder_defaults(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict):
            base = (info.context or {}).get("base", Path.cwd())
            data = dict(data)
            for key in ("sectigo_log_path", "cert_profile_path"):
                if data.get(key) in (None, ""):
                    data[key] = base
            if data.get("pancert_state_path") in (None, ""):
                data["pancert_state_path"] = data["cert_profile_path"]
        return data

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator(
        "log_path", "cert_profile_path", "state_path", "scm_ca_bundle", "gnupg_home", mode="before"
    )
    @classmethod
    def _paths(cls, value: Any, info: ValidationInfo) -> Any:
        value = _secret_text(value)
        return resolve_path(value, info) if isinstance(value, str | Path) else value

    @field_validator("log_file")
    @classmethod
    def _log_file(cls, value: str) -> str:
        """A file name inside ``sectigo_log_path``: a path could escape the log folder."""
        name = value.strip()
        if "/" in name or "\\" in name or name in (".", "..") or name.startswith("."):
            raise invalid(
                f"{value!r} is a path, not a file name",
                "a file name such as pancert.log; the folder is sectigo_log_path",
            )
        return name

    @field_validator("gnu_keys")
    @classmethod
    def _fingerprints(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        compact = tuple(v.replace(" ", "").upper() for v in value)
        for fingerprint in compact:
            if not re.fullmatch(r"[0-9A-F]{16}|[0-9A-F]{40}|[0-9A-F]{64}", fingerprint):
                raise invalid(
                    f"{fingerprint!r} is not a GnuPG key fingerprint",
                    "40 (or 64) hexadecimal characters, one or a list",
                )
        return compact

    @field_validator("age_recipients")
    @classmethod
    def _age(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for recipient in value:
            if not re.fullmatch(r"age1[0-9a-z]{58}", recipient):
                raise invalid(f"{recipient!r} is not an age recipient", "age1… (age-keygen -y)")
        return value

    @property
    def log_file_path(self) -> Path:
        return self.log_path / self.log_file


_FINGERPRINT_ALLOWED = "SHA-256 as 64 hex digits, colons optional"
_URL_ALLOWED = "https://HOST[:PORT], or [https://PEER1, https://PEER2] for an HA pair"


def _one_url(value: str) -> str:
    """The guide allows "the FQDN or IP address"; pancert talks only HTTPS to it."""
    parts = urlsplit(check_https_url(value, bare_host_ok=True))
    if parts.path not in ("", "/", "/api", "/api/"):
        raise invalid("must name the firewall only, not a path", "https://HOST[:PORT]")
    return f"https://{parts.netloc}"


class FirewallProfile(BaseModel):
    """A ``fw_*.yaml`` file: one firewall (or Panorama) and how to reach it safely."""

    model_config = _FROZEN

    name: str
    """The file stem, e.g. ``fw_paloalto_config``: what certificate profiles name."""
    source: Path
    urls: tuple[str, ...] = Field((), alias="paloalto_url")
    """One management address, or the two peers of an HA pair (``[https://a, https://b]``):
    the pair is then one unit, written through its active peer (README "HA pairs").
    Optional for a firewall reached through Panorama."""
    api_key: Secret = Field(None, alias="paloalto_api_key")
    commit_description: str = Field("pancert", alias="paloalto_commit_description")
    commit_user: OptionalText = Field(None, alias="paloalto_commit_user")
    ca_bundle: Path | None = Field(None, alias="paloalto_ca_bundle")
    tls_fingerprint: OptionalText = Field(None, alias="paloalto_tls_fingerprint")
    tls_insecure: Bool = Field(False, alias="paloalto_tls_insecure")
    ha_sync_timeout: float = Field(300.0, alias="paloalto_ha_sync_timeout", gt=0)
    """Seconds to wait for an HA pair's ``running-sync`` to read ``synchronized``."""
    panorama: OptionalText = Field(None, alias="paloalto_panorama")
    """The firewall profile of the Panorama that manages this firewall (or holds its
    template): calls then go through Panorama (README, "Panorama")."""
    serial: OptionalText = Field(None, alias="paloalto_serial")
    device: OptionalText = Field(None, alias="paloalto_device")
    """The managed firewall's hostname, resolved to its serial by ``show devices connected``."""
    mode: Literal["device", "panorama-template"] = Field("device", alias="paloalto_mode")
    template: OptionalText = Field(None, alias="paloalto_template")
    resolved_panorama: FirewallProfile | None = Field(None, exclude=True)
    """Set by the loader from ``paloalto_panorama``; never read from a file."""

    @property
    def address(self) -> str:
        """Where calls go, for messages: the URL, or ``serial via Panorama``."""
        if self.panorama is None or (self.urls and self.mode == "device"):
            return ", ".join(self.urls)
        if self.mode == "panorama-template":
            return f"template {self.template} via {self.panorama}"
        return f"{self.serial or self.device} via {self.panorama}"

    @property
    def url(self) -> str | None:
        """The first (or only) management address; None for a firewall reached only
        through Panorama."""
        return self.urls[0] if self.urls else None

    @property
    def is_ha_pair(self) -> bool:
        return len(self.urls) == 2

    @field_validator("urls", mode="before")
    @classmethod
    def _urls(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            if len(value) != 2 or not all(isinstance(v, str) and v.strip() for v in value):
                raise invalid(
                    f"a list names the two peers of an HA pair, got {len(value)} item(s)",
                    _URL_ALLOWED,
                )
            urls = tuple(_one_url(v) for v in value)
            if urls[0] == urls[1]:
                raise invalid("the two HA peers have the same address", _URL_ALLOWED)
            return urls
        if value is None:
            return ()
        if not isinstance(value, str):
            return value
        if not value.strip():
            raise invalid("is empty", "https://HOST[:PORT], the firewall's management address")
        return (_one_url(value),)

    @field_validator("panorama", mode="before")
    @classmethod
    def _stem(cls, value: Any) -> Any:
        if isinstance(value, str):
            return re.sub(r"\.ya?ml$", "", value.strip(), flags=re.IGNORECASE)
        return value

    @field_validator("commit_description", mode="before")
    @classmethod
    def _description(cls, value: Any) -> Any:
        return "pancert" if value is None or value == "" else value

    @field_validator("ca_bundle", mode="before")
    @classmethod
    def _path(cls, value: Any, info: ValidationInfo) -> Any:
        value = _secret_text(value)
        return resolve_path(value, info) if isinstance(value, str | Path) else value

    @field_validator("tls_fingerprint")
    @classmethod
    def _pin(cls, value: str | None) -> str | None:
        if value is None:
            return None
        compact = re.sub(r"^sha-?256[:=]", "", value.strip(), flags=re.IGNORECASE)
        compact = re.sub(r"[\s:]", "", compact).lower()
        if not re.fullmatch(r"[0-9a-f]{64}", compact):
            raise invalid("not a SHA-256 fingerprint", _FINGERPRINT_ALLOWED)
        return compact


DCV_MODES = ("CNAME", "HTTP", "HTTPS", "TXT", "EMAIL", "AUTO")
"""``dcvMode`` values: SCM 25.5 enroll table (CNAME, EMAIL, HTTP, HTTPS, TXT) and spec 25.9.2
(AUTO)."""


def _type_map(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k).strip().upper(): parse_int(v) for k, v in value.items()}
    return {} if value is None else value


class ScmCredential(BaseModel):
    """One label of ``sectigo_credentials.yaml``: OAuth client credentials (the guide's
    ``sectigo_cm_user_id``/``sectigo_cm_user_secret``) or the legacy Admin API login."""

    model_config = _FROZEN

    label: str
    source: Path
    client_id: OptionalText = Field(None, alias="sectigo_cm_user_id")
    client_secret: Secret = Field(None, alias="sectigo_cm_user_secret")
    login: OptionalText = Field(None, alias="sectigo_cm_login")
    password: Secret = Field(None, alias="sectigo_cm_password")
    customer_uri: OptionalText = Field(None, alias="sectigo_cm_customer_uri")
    org_id: Int | None = Field(None, ge=1, alias="sectigo_cm_org_id")
    cert_type_map: Annotated[dict[str, str | int], BeforeValidator(_type_map)] = Field(
        default_factory=dict, alias="sectigo_cert_type_map"
    )
    dcv_mode: OptionalText = Field(None, alias="sectigo_dcv_mode")
    """``dcvMode`` sent on enroll, for tenants without DCV pre-validation."""
    dcv_email: OptionalText = Field(None, alias="sectigo_dcv_email")

    @field_validator("dcv_mode", mode="after")
    @classmethod
    def _dcv_mode(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.strip().upper() not in DCV_MODES:
            raise invalid(f"{value!r} is not a DCV mode", ", ".join(DCV_MODES))
        return value.strip().upper()

    @field_validator("dcv_email", mode="after")
    @classmethod
    def _dcv_email(cls, value: str | None) -> str | None:
        return None if value is None else check_email(value)

    @model_validator(mode="after")
    def _email_for_email_dcv(self) -> ScmCredential:
        if self.dcv_mode == "EMAIL" and self.dcv_email is None:
            raise invalid(
                "sectigo_dcv_mode EMAIL needs sectigo_dcv_email",
                "an address SCM offers for the domain, e.g. admin@example.com",
            )
        return self

    @model_validator(mode="after")
    def _one_complete_login(self) -> ScmCredential:
        oauth = (self.client_id, self.client_secret)
        legacy = (self.login, self.password, self.customer_uri)
        if all(v is not None for v in oauth) or all(v is not None for v in legacy):
            return self
        raise invalid(
            "incomplete credentials",
            "sectigo_cm_user_id + sectigo_cm_user_secret, or sectigo_cm_login + "
            "sectigo_cm_password + sectigo_cm_customer_uri",
        )

    @property
    def uses_oauth(self) -> bool:
        return self.client_id is not None and self.client_secret is not None
