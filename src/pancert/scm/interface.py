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
)


class CertificateAuthority(Protocol):
    @property
    def api(self) -> ApiKind: ...

    async def enroll(self, request: EnrollRequest) -> OrderRef:
        """Place one order. Never retried blindly: a transport failure after sending raises
        :class:`pancert.scm.errors.ScmOutcomeUnknown` so the caller looks the order up."""
        ...

    async def collect(self, order_id: int) -> IssuedChain | Pending: ...

    async def details(self, order_id: int) -> OrderDetails: ...

    async def find_order(
        self, request_id: str, common_name: str, since: dt.datetime
    ) -> OrderLookup: ...

    async def revoke(self, order_id: int, reason: str) -> None: ...

    async def mark_renewed(self, old_order_id: int, new_order_id: int) -> None:
        """Bookkeeping after a rotation (Admin API ``renew/manual``); a no-op where the API
        has no such call."""
        ...

    async def aclose(self) -> None: ...
