"""Pieces both SCM clients share: the credential shape, the request-id marker, dates."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from typing import Protocol

from pydantic import SecretStr

from pancert.errors import ScmError
from pancert.scm.errors import REFUSED_STATUSES, ScmBeingProcessed, ScmOrderRefused
from pancert.scm.models import OrderDetails, Pending

log = logging.getLogger("pancert.scm")

COMMENTS_LIMIT = 1024
"""``comments`` holds at most 1024 characters (scm.md §3.3; enrollment.md §5)."""
_MARKER = re.compile(r"\[pancert-request:([A-Za-z0-9._~-]{1,64})\]")


class ScmCredentialLike(Protocol):
    """The fields of one ``sectigo_credentials.yaml`` entry the SCM clients read
    (the pydantic ``ScmCredential`` in :mod:`pancert.config` has exactly these names)."""

    @property
    def label(self) -> str: ...
    @property
    def client_id(self) -> str | None: ...
    @property
    def client_secret(self) -> SecretStr | None: ...
    @property
    def login(self) -> str | None: ...
    @property
    def password(self) -> SecretStr | None: ...
    @property
    def customer_uri(self) -> str | None: ...
    @property
    def org_id(self) -> int | None: ...
    @property
    def cert_type_map(self) -> Mapping[str, str | int] | None: ...
    @property
    def dcv_mode(self) -> str | None: ...
    @property
    def dcv_email(self) -> str | None: ...


def dcv_fields(credential: ScmCredentialLike) -> dict[str, str]:
    """``dcvMode`` (and ``dcvEmail``) for enroll when the credential names them: tenants
    without DCV pre-validation require it (SCM 25.5 enroll table)."""
    fields = {}
    if credential.dcv_mode:
        fields["dcvMode"] = credential.dcv_mode
    if credential.dcv_email:
        fields["dcvEmail"] = credential.dcv_email
    return fields


def comments_with_request_id(comments: str, request_id: str) -> str:
    """``comments`` plus `` [pancert-request:<id>]``, cut so the whole fits SCM's limit; the
    marker is what :meth:`find_order` matches after a crash between sending and recording."""
    if not _MARKER.fullmatch(f"[pancert-request:{request_id}]"):
        raise ValueError(f"request id {request_id!r} must be 1-64 of A-Z a-z 0-9 . _ ~ -")
    marker = f" [pancert-request:{request_id}]"
    room = COMMENTS_LIMIT - len(marker)
    return (comments[:room] + marker).lstrip()


def request_id_in(comments: str | None) -> str | None:
    """The request id :func:`comments_with_request_id` put into ``comments``, if any."""
    if not comments:
        return None
    found = _MARKER.findall(comments)
    return found[-1] if found else None


def parse_scm_date(value: object) -> dt.datetime | None:
    """SCM dates arrive as ISO date-times, ISO dates or ``MM/dd/yyyy`` depending on
    ``dateFormat`` and tenant (scm.md §3.4): all are read, as UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    # US (the default), ISO, EU and JP, with or without time (SCM 25.5 "Date formatting")
    for fmt in (
        "%m/%d/%Y",
        "%Y-%m-%d",
        "%d.%m.%Y",
        "%Y/%m/%d",
        "%m/%d/%Y %H:%M:%S",
        "%d.%m.%Y %H:%M:%S",
        "%Y/%m/%d %H:%M:%S",
    ):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


class _Details(Protocol):
    async def details(self, order_id: int) -> OrderDetails: ...


async def refused_or_pending(client: _Details, order_id: int, answer: ScmBeingProcessed) -> Pending:
    """A "not issued yet" answer, checked against the order's status: a declined, rejected,
    invalid or revoked order fails at once with SCM's words (-183 "not collectable" is also
    what a declined order answers) instead of being polled until the pending limit."""
    try:
        status = (await client.details(order_id)).status
    except ScmError as exc:
        log.info("SCM collect: order %d pending; its status is unreadable (%s)", order_id, exc)
        return Pending(order_id, None, answer.code, answer.description)
    if status.strip().lower() in REFUSED_STATUSES:
        raise ScmOrderRefused(
            code=answer.code,
            description=f"order {order_id} is {status} in SCM: {answer.description}",
            http_status=answer.http_status,
            operation="collect",
        )
    return Pending(order_id, status, answer.code, answer.description)
