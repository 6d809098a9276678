"""``kind: acme`` labels of ``sectigo_credentials.yaml``: an RFC 8555 ACME account.

Sectigo sells ACME next to SCM (https://docs.sectigo.com/scm/scm-administrator/understanding-acme-endpoints.html,
with External Account Binding: the key id and HMAC key come from SCM's ACME account); Let's
Encrypt and private ACME CAs take the same keys without EAB. The private key never leaves the
firewall: the order is finalized with the CSR the firewall exports.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from pancert.config.fields import OptionalText, check_email, invalid, resolve_path, split_list
from pancert.config.models import _FROZEN, Secret, _secret_text, check_https_url

ACME_KIND = "acme"
CHALLENGES = ("none", "dns-01-rfc2136", "dns-01-hook", "respond-only")
TSIG_ALGORITHMS = ("hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1")
_HOST_PORT = re.compile(r"^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$")


def is_acme_body(body: Any) -> bool:
    """A credential label is ACME when it says ``kind: acme`` (any case)."""
    if not hasattr(body, "items"):
        return False
    return any(
        str(k).strip().lower() == "kind" and str(v).strip().lower() == ACME_KIND
        for k, v in body.items()
    )


def _b64url_key(value: Any) -> Any:
    """EAB HMAC keys are base64url without padding (RFC 8555 §7.3.4; Sectigo's ``macKey``)."""
    text = _secret_text(value)
    if isinstance(text, str):
        try:
            standard = text.replace("-", "+").replace("_", "/")
            base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise invalid("not base64url", "the HMAC key exactly as the CA gave it") from exc
    return text


def _host_ports(value: Any) -> Any:
    items = split_list(value)
    if isinstance(items, list):
        for item in items:
            if not _HOST_PORT.match(item):
                raise invalid(f"{item!r} is not HOST or HOST:PORT", "ns1.example.com:53, 192.0.2.1")
    return items


class AcmeCredential(BaseModel):
    """One ACME account. Secrets (EAB HMAC key, TSIG secret) are encrypted by
    ``pancert encrypt`` like the SCM ones."""

    model_config = _FROZEN

    label: str
    source: Path
    kind: Literal["acme"] = Field(alias="kind")
    directory_url: str = Field(alias="acme_directory_url")
    eab_kid: OptionalText = Field(None, alias="acme_eab_kid")
    eab_hmac_key: Annotated[Secret, BeforeValidator(_b64url_key)] = Field(
        None, alias="acme_eab_hmac_key"
    )
    email: OptionalText = Field(None, alias="acme_contact_email")
    ca_bundle: Path | None = Field(None, alias="acme_ca_bundle")
    profile: OptionalText = Field(None, alias="acme_profile")
    """An ACME profile name the CA offers (e.g. ``tlsserver``); none by default."""
    challenge: Literal["none", "dns-01-rfc2136", "dns-01-hook", "respond-only"] = Field(
        "none", alias="acme_challenge"
    )
    dns_hook: Path | None = Field(None, alias="acme_dns_hook")
    rfc2136_server: OptionalText = Field(None, alias="acme_rfc2136_server")
    rfc2136_zone: OptionalText = Field(None, alias="acme_rfc2136_zone")
    tsig_key_name: OptionalText = Field(None, alias="acme_tsig_key_name")
    tsig_secret: Secret = Field(None, alias="acme_tsig_secret")
    tsig_algorithm: Literal[
        "hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1"
    ] = Field("hmac-sha256", alias="acme_tsig_algorithm")
    dns_servers: Annotated[tuple[str, ...], BeforeValidator(_host_ports)] = Field(
        (), alias="acme_dns_servers"
    )
    """Authoritative servers to check for the TXT record; default: the zone's NS records."""
    dns_timeout: float = Field(300, gt=0, le=3600, alias="acme_dns_timeout")
    finalize_timeout: float = Field(600, gt=0, le=86400, alias="acme_finalize_timeout")

    @field_validator("kind", "challenge", "tsig_algorithm", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("directory_url", mode="before")
    @classmethod
    def _https(cls, value: Any) -> Any:
        return check_https_url(value) if isinstance(value, str) else value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return check_email(value) if value is not None else None

    @field_validator("ca_bundle", "dns_hook", mode="before")
    @classmethod
    def _path(cls, value: Any, info: ValidationInfo) -> Any:
        value = _secret_text(value)
        return resolve_path(value, info) if isinstance(value, str | Path) else value

    @field_validator("rfc2136_server")
    @classmethod
    def _server(cls, value: str | None) -> str | None:
        if value is not None:
            _host_ports(value)
        return value

    @model_validator(mode="after")
    def _complete(self) -> AcmeCredential:
        if (self.eab_kid is None) != (self.eab_hmac_key is None):
            raise invalid(
                "acme_eab_kid and acme_eab_hmac_key go together",
                "both (External Account Binding, e.g. Sectigo) or neither (Let's Encrypt)",
            )
        if self.ca_bundle is not None and not self.ca_bundle.is_file():
            raise invalid(f"acme_ca_bundle: {self.ca_bundle} is not a file", "a PEM file")
        if self.challenge == "dns-01-hook":
            hook = self.dns_hook
            if hook is None or not hook.is_file():
                raise invalid(
                    f"acme_dns_hook: {hook or '(not set)'} is not a file",
                    "an executable called as HOOK add|del FQDN VALUE",
                )
        if self.challenge == "dns-01-rfc2136" and not (
            self.rfc2136_server and self.rfc2136_zone and self.tsig_key_name and self.tsig_secret
        ):
            raise invalid(
                "dns-01-rfc2136 needs acme_rfc2136_server, acme_rfc2136_zone, "
                "acme_tsig_key_name and acme_tsig_secret",
                "all four",
            )
        return self
