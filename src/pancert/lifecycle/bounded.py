"""A CertificateAuthority wrapper that bounds concurrent SCM calls."""

from __future__ import annotations

import asyncio
import datetime as dt

from pancert.scm.interface import CertificateAuthority
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


class BoundedAuthority:
    def __init__(self, inner: CertificateAuthority, limit: int) -> None:
        self._inner = inner
        self._limit = asyncio.Semaphore(limit)

    @property
    def api(self) -> ApiKind:
        return self._inner.api

    async def enroll(self, request: EnrollRequest) -> OrderRef:
        async with self._limit:
            return await self._inner.enroll(request)

    async def collect(self, order_id: int) -> IssuedChain | Pending:
        async with self._limit:
            return await self._inner.collect(order_id)

    async def details(self, order_id: int) -> OrderDetails:
        async with self._limit:
            return await self._inner.details(order_id)

    async def find_order(
        self, request_id: str, common_name: str, since: dt.datetime
    ) -> OrderLookup:
        async with self._limit:
            return await self._inner.find_order(request_id, common_name, since)

    async def check_access(self) -> str:
        async with self._limit:
            return await self._inner.check_access()

    async def resolve_product(self, request: EnrollRequest) -> ResolvedProduct:
        async with self._limit:
            return await self._inner.resolve_product(request)

    async def revoke(self, order_id: int, reason: str, *, reason_code: int = 0) -> None:
        async with self._limit:
            await self._inner.revoke(order_id, reason, reason_code=reason_code)

    async def mark_renewed(self, old_order_id: int, new_order_id: int) -> None:
        async with self._limit:
            await self._inner.mark_renewed(old_order_id, new_order_id)

    async def aclose(self) -> None:
        await self._inner.aclose()
