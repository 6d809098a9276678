"""The one narrow interface the lifecycle uses to talk to a certificate authority.

Two implementations exist (REST Enrollment API, Admin API); tests may add hand-written fakes
that satisfy this Protocol (checked by a typed assignment), never mocks of private methods.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from pancert.scm.models import (
    ApiKind,
    EnrollRequest,
    IssuedChain,
    OrderDetails,
    OrderLookup,
    OrderRef,
    Pending,
    ResolvedProduct,
)


class CertificateAuthority(Protocol):
    @property
    def api(self) -> ApiKind: ...

    async def enroll(self, request: EnrollRequest) -> OrderRef:
        """Place one order. Never retried blindly: a transport failure after sending raises
        :class:`pancert.scm.errors.ScmOutcomeUnknown` so the caller looks the order up."""
        ...

    async def check_access(self) -> str:
        """Log in and make one harmless authenticated read (``validate --online``); returns
        what was checked, raises :class:`pancert.scm.errors.ScmAuthError` when refused."""
        ...

    async def resolve_product(self, request: EnrollRequest) -> ResolvedProduct:
        """Type, term and organization the order will carry (``validate`` shows them);
        raises :class:`pancert.scm.errors.ScmResolutionError` listing the choices."""
        ...

    async def collect(self, order_id: int) -> IssuedChain | Pending: ...

    async def details(self, order_id: int) -> OrderDetails: ...

    async def find_order(
        self, request_id: str, common_name: str, since: dt.datetime
    ) -> OrderLookup:
        """The order whose comments carry ``request_id`` (see
        :func:`pancert.scm.comments_with_request_id`); ``UNSUPPORTED`` where the API cannot
        list orders (REST Enrollment API)."""
        ...

    async def revoke(self, order_id: int, reason: str, *, reason_code: int = 0) -> None:
        """``reason_code`` in RFC 5280 numbering, one of 0, 1, 3, 4, 5 (scm.md §3.8)."""
        ...

    async def mark_renewed(self, old_order_id: int, new_order_id: int) -> None:
        """Bookkeeping after a rotation (Admin API ``renew/manual``); a no-op where the API
        has no such call."""
        ...

    async def retire_superseded(
        self, old_order_id: int, new_order_id: int, *, revoke: bool
    ) -> None:
        """After a rotation: :meth:`revoke` the old order, or :meth:`mark_renewed`."""
        ...

    async def aclose(self) -> None: ...
