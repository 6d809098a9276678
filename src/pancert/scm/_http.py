"""One HTTP boundary for both SCM APIs: authentication, retries, error mapping.

Retry rules: idempotent calls retry with capped exponential backoff on 429 (honouring
``Retry-After``), 5xx, timeouts and dropped connections. A non-idempotent call (enroll, renew)
is retried only when it provably never reached SCM (no token, connection refused, 401 before
processing, 429), and fails as :class:`ScmNotSent` once those retries are spent. When it may
have been processed (a timeout or reset after sending, a 5xx, an unreadable 200),
:class:`ScmOutcomeUnknown` is raised and the caller looks the order up instead.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from pancert.scm.auth import Authenticator, OAuthClientCredentials
from pancert.scm.errors import (
    NOT_PROCESSED_CODES,
    RETRY_LATER_CODES,
    ScmNotSent,
    ScmOutcomeUnknown,
    ScmProtocolError,
    ScmTransportError,
    from_response,
)

log = logging.getLogger("pancert.scm")

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    max_retry_after_s: float = 120.0
    """A ``Retry-After`` longer than this is not waited out; the 429 is raised instead."""
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)

    def backoff(self, attempt: int) -> float:
        delay = min(self.max_delay_s, self.base_delay_s * 2.0 ** (attempt - 1))
        return delay * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not crypto


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def error_envelope(response: httpx.Response) -> tuple[int | None, str]:
    """SCM's ``{code, description}`` (scm.md §4), tolerating bodies that are not JSON."""
    try:
        payload = response.json()
    except (ValueError, UnicodeDecodeError):
        payload = None
    if isinstance(payload, dict) and "code" in payload:
        try:
            code: int | None = int(payload["code"])
        except (TypeError, ValueError):
            code = None
        return code, str(payload.get("description") or "")
    text = response.text.strip()[:200] if response.headers.get("content-type", "") else ""
    return None, text or response.reason_phrase or f"HTTP {response.status_code}"


def json_of(response: httpx.Response, operation: str) -> Any:
    try:
        return json.loads(response.content)
    except ValueError as exc:
        raise ScmProtocolError(
            f"SCM {operation}: the answer is not JSON", http_status=response.status_code
        ) from exc


MAX_IN_FLIGHT = 8
"""Requests one SCM client has on the wire at once: a run with hundreds of due pairs
shares one client per credential, and SCM answers bursts with 429 (rate limiting)."""


class ScmHttp:
    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        auth: Authenticator,
        *,
        retry: RetryPolicy,
        probe_path: str,
        owns_client: bool,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self.http = http
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.retry = retry
        self._probe_path = probe_path
        self._owns_client = owns_client

    async def aclose(self) -> None:
        if self._owns_client:
            await self.http.aclose()

    async def _discover_token_url(self) -> None:
        """Ask the SCM host which auth server it trusts: an unauthenticated GET answers 401
        with ``WWW-Authenticate: … authorization_uri=…`` (enrollment.md §3, §10 step 5)."""
        try:
            response = await self.http.get(self.base_url + self._probe_path)
        except httpx.HTTPError as exc:
            raise ScmNotSent(
                f"cannot reach SCM at {self.base_url}: {type(exc).__name__}", operation="probe"
            ) from exc
        self.auth.learn_challenge(response.headers.get("www-authenticate", ""))

    async def _auth_headers(self) -> dict[str, str]:
        """Credentials for the next call; ScmNotSent while they cannot be obtained."""
        if isinstance(self.auth, OAuthClientCredentials) and self.auth.needs_discovery():
            await self._discover_token_url()
        return await self.auth.headers()

    async def request(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        idempotent: bool,
        json_body: Any = None,
        params: dict[str, str | int] | None = None,
        headers: dict[str, str] | None = None,
        domains: tuple[str, ...] = (),
    ) -> httpx.Response:
        """Send one call; return a 2xx response or raise a mapped :class:`ScmError`."""
        attempt, refreshed = 0, False
        while True:
            attempt += 1
            last = attempt >= self.retry.attempts
            try:
                sent_headers = {**(headers or {}), **await self._auth_headers()}
            except ScmNotSent as exc:
                if last:
                    raise
                await self._pause(operation, attempt, str(exc), None)
                continue
            request = self.http.build_request(
                method, self.base_url + path, json=json_body, params=params, headers=sent_headers
            )
            response = await self._send(operation, request, idempotent=idempotent, last=last)
            if response is None:
                await self._pause(operation, attempt, "no connection", None)
                continue
            status = response.status_code
            if status == 401 and self.auth.oauth and not refreshed:
                # an expired or revoked token: one fresh token, then the 401 stands
                self.auth.learn_challenge(response.headers.get("www-authenticate", ""))
                self.auth.invalidate()
                refreshed, attempt = True, attempt - 1
                continue
            retry_after = retry_after_seconds(response.headers.get("retry-after"))
            if self._retryable(operation, response, idempotent=idempotent, last=last):
                await self._pause(operation, attempt, f"HTTP {status}", retry_after)
                continue
            if status >= 400:
                code, description = error_envelope(response)
                raise from_response(
                    http_status=status,
                    code=code,
                    description=description,
                    operation=operation,
                    retry_after=retry_after,
                    domains=domains,
                )
            return response

    async def _send(
        self, operation: str, request: httpx.Request, *, idempotent: bool, last: bool
    ) -> httpx.Response | None:
        """The response, or None when the call certainly never left and may be retried."""
        try:
            async with self._in_flight:
                return await self.http.send(request)
        except _NOT_SENT as exc:
            if not last:
                return None
            name = type(exc).__name__
            raise ScmNotSent(
                f"SCM {operation}: cannot connect to {self.base_url} ({name})", operation=operation
            ) from exc
        except httpx.TransportError as exc:
            name = type(exc).__name__
            if not idempotent:
                raise ScmOutcomeUnknown(
                    f"SCM {operation}: no answer after sending ({name}); "
                    "the request may have been processed",
                    operation=operation,
                ) from exc
            if not last:
                return None
            raise ScmTransportError(
                f"SCM {operation}: no answer from {self.base_url} ({name})", operation=operation
            ) from exc

    def _retryable(
        self, operation: str, response: httpx.Response, *, idempotent: bool, last: bool
    ) -> bool:
        status = response.status_code
        if status == 429:
            # SCM refused before doing anything, so even enroll may try again
            wait = retry_after_seconds(response.headers.get("retry-after"))
            return not last and (wait is None or wait <= self.retry.max_retry_after_s)
        if status < 500:
            code, description = error_envelope(response)
            if code not in RETRY_LATER_CODES:
                return False
            if not idempotent and code not in NOT_PROCESSED_CODES:
                raise ScmOutcomeUnknown(
                    f"SCM {operation}: code {code} ({description}); "
                    "the request may have been processed",
                    operation=operation,
                )
            return not last
        if not idempotent:
            _, description = error_envelope(response)
            raise ScmOutcomeUnknown(
                f"SCM {operation}: HTTP {status} ({description}); "
                "the request may have been processed",
                operation=operation,
            )
        return not last

    async def _pause(
        self, operation: str, attempt: int, why: str, retry_after: float | None
    ) -> None:
        delay = retry_after if retry_after is not None else self.retry.backoff(attempt)
        delay = min(delay, self.retry.max_retry_after_s)
        log.warning("SCM %s: %s, retrying in %.1f s", operation, why, delay)
        await self.retry.sleep(delay)
