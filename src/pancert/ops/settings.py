"""config.yaml keys of the operations features: metrics textfile and alerts.

:class:`OpsSettings` is a base of :class:`pancert.config.models.AppConfig`, so these keys are
read, validated and reported exactly like the others (one ``file: field: problem (allowed)``
line each). The SMTP password and the webhook URL are secrets: chat webhooks carry their
token in the URL (Slack ``/services/T…/B…/…``, Google Chat ``?key=…&token=…``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
)

from pancert.config.fields import (
    FALSE_WORDS,
    MIN_SECRET_LENGTH,
    Bool,
    Int,
    OptionalText,
    check_email,
    invalid,
    resolve_path,
    split_list,
)

__all__ = ["NODE_EXPORTER_TEXTFILE_DIR", "OpsSettings"]

NODE_EXPORTER_TEXTFILE_DIR = Path("/var/lib/prometheus/node-exporter")
"""Debian's and Ubuntu's prometheus-node-exporter reads ``*.prom`` files from here (its
``--collector.textfile.directory`` default, see /etc/default/prometheus-node-exporter)."""


def _text(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value.strip() if isinstance(value, str) else value


def _secret_url(value: Any) -> Any:
    value = _text(value)
    if not isinstance(value, str):
        return value
    allowed = "https://HOST[:PORT]/PATH[?QUERY]"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise invalid("not a valid URL", allowed) from exc
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        # the URL is never echoed: it may carry the webhook's token
        raise invalid("must be an https:// URL without user or password", allowed)
    return value


def _long_enough(value: SecretStr | None) -> SecretStr | None:
    if value is not None and len(value.get_secret_value()) < MIN_SECRET_LENGTH:
        raise invalid("too short to be a real secret", f"at least {MIN_SECRET_LENGTH} characters")
    return value


OpsSecret = Annotated[SecretStr | None, BeforeValidator(_text), AfterValidator(_long_enough)]


class OpsSettings(BaseModel):
    metrics_dir: Path | Literal[False] | None = Field(None, alias="pancert_metrics_dir")
    """A folder; ``off`` (or false) disables; unset means node_exporter's folder if it exists."""

    alert_email_to: Annotated[tuple[str, ...], BeforeValidator(split_list)] = Field(
        (), alias="pancert_alert_email_to"
    )
    alert_email_from: OptionalText = Field(None, alias="pancert_alert_email_from")
    alert_smtp_host: OptionalText = Field(None, alias="pancert_alert_smtp_host")
    alert_smtp_port: Int = Field(587, ge=1, le=65535, alias="pancert_alert_smtp_port")
    alert_smtp_user: OptionalText = Field(None, alias="pancert_alert_smtp_user")
    alert_smtp_password: OpsSecret = Field(None, alias="pancert_alert_smtp_password")
    alert_webhook_url: Annotated[OpsSecret, BeforeValidator(_secret_url)] = Field(
        None, alias="pancert_alert_webhook_url"
    )
    alert_ca_bundle: Path | None = Field(None, alias="pancert_alert_ca_bundle")
    alert_window_days: Int = Field(14, ge=0, le=3650, alias="pancert_alert_window")
    alert_on_success: Bool = Field(False, alias="pancert_alert_on_success")
    alert_retries: Int = Field(3, ge=0, le=10, alias="pancert_alert_retries")

    @field_validator("metrics_dir", mode="before")
    @classmethod
    def _metrics_dir(cls, value: Any, info: ValidationInfo) -> Any:
        if value is False or (isinstance(value, str) and value.strip().lower() in FALSE_WORDS):
            return False
        value = _text(value)
        return resolve_path(value, info) if isinstance(value, str | Path) else value

    @field_validator("alert_ca_bundle", mode="before")
    @classmethod
    def _bundle(cls, value: Any, info: ValidationInfo) -> Any:
        value = _text(value)
        return resolve_path(value, info) if isinstance(value, str | Path) else value

    @field_validator("alert_email_to")
    @classmethod
    def _recipients(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(check_email(v) for v in value)

    @field_validator("alert_email_from")
    @classmethod
    def _sender(cls, value: str | None) -> str | None:
        return None if value is None else check_email(value)

    def ops_problems(self) -> list[tuple[str, str, str]]:
        """Cross-field problems as (field, message, allowed)."""
        found = []
        if self.alert_email_to and not self.alert_smtp_host:
            found.append(
                (
                    "pancert_alert_smtp_host",
                    "required when pancert_alert_email_to is set",
                    "the SMTP relay's host name",
                )
            )
        if (self.alert_smtp_user is None) != (self.alert_smtp_password is None):
            found.append(
                (
                    "pancert_alert_smtp_password",
                    "pancert_alert_smtp_user and pancert_alert_smtp_password go together",
                    "both or neither",
                )
            )
        if self.alert_ca_bundle is not None and not self.alert_ca_bundle.is_file():
            found.append(
                (
                    "pancert_alert_ca_bundle",
                    f"{self.alert_ca_bundle} is not a file",
                    "a PEM file with the CA of the SMTP relay's or webhook's certificate",
                )
            )
        return found

    def ops_secrets(self) -> list[SecretStr]:
        return [s for s in (self.alert_smtp_password, self.alert_webhook_url) if s is not None]
