"""Fault injection and request recording shared by the sandbox SCM and firewalls.

Every sandbox route goes through :meth:`FaultInjector.run` with the name of its call kind, so
a test (or ``/_sandbox/faults``) can make any kind of call fail in any of the ways real
services fail — and can see, in :class:`Recorder`, every request the agent made.

Fault kinds:

``5xx``        answer ``status`` (default 503) with a plain body
``429``        answer 429 with ``Retry-After: retry_after``
``timeout``    hold the request ``delay_s`` (default 120 s), past any sane client timeout
``reset``      abort the TCP connection without an answer
``malformed``  answer 200 with a body no parser accepts
``slow``       sleep ``delay_s``, then answer normally
``kill``       SIGKILL the agent's process group ``pgid`` (crashes come from outside the agent)
``error``      the API's own error envelope, built by the app's ``error_response(rule)``

``when="after"`` runs the real handler first (the side effect happens) and then misbehaves,
which is how "the order was placed but the answer never arrived" is produced.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

FaultName = Literal["5xx", "429", "timeout", "reset", "malformed", "slow", "kill", "error"]
FAULT_NAMES: tuple[str, ...] = (
    "5xx",
    "429",
    "timeout",
    "reset",
    "malformed",
    "slow",
    "kill",
    "error",
)


@dataclass
class FaultRule:
    kind: str
    """The call kind to match, or ``*`` for every call."""
    fault: FaultName
    times: int = 1
    """How many matching calls misbehave; -1 means forever."""
    status: int = 503
    retry_after: float | None = 1.0
    delay_s: float | None = None
    pgid: int | None = None
    when: Literal["before", "after"] = "before"
    probability: float = 1.0
    seed: int | None = None
    body: str | None = None
    """Overrides the body for ``5xx``/``malformed``; the app may read it in ``error``."""
    fired: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.fault not in FAULT_NAMES:
            raise ValueError(f"unknown fault {self.fault!r} (allowed: {', '.join(FAULT_NAMES)})")
        if self.seed is not None:
            self._rng = random.Random(self.seed)  # noqa: S311 - reproducible faults, not crypto

    def matches(self, kind: str) -> bool:
        if self.kind not in ("*", kind):
            return False
        if self.times != -1 and self.fired >= self.times:
            return False
        return self.probability >= 1.0 or self._rng.random() < self.probability

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("_rng")
        return data


_ABORT_KEY = "pancert.abort_connection"


class DropConnection(Response):
    """A "response" that aborts the client's connection instead of answering.

    Returned (not raised) so that Starlette's error middleware never turns it into a 500.
    """

    def __init__(self) -> None:
        super().__init__(b"")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        abort = scope.get(_ABORT_KEY)
        if abort is None:
            raise RuntimeError("wrap the sandbox app in DropConnectionMiddleware")
        abort()


class FaultInjector:
    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def add_from_json(self, data: dict[str, Any]) -> FaultRule:
        allowed = {
            k: v
            for k, v in data.items()
            if k in FaultRule.__dataclass_fields__ and not k.startswith("_") and k != "fired"
        }
        return self.add(FaultRule(**allowed))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def _take(self, kind: str) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if rule.matches(kind):
                    rule.fired += 1
                    return rule
        return None

    async def run(
        self,
        kind: str,
        request: Request,
        handler: Callable[[], Awaitable[Response]],
        error_response: Callable[[FaultRule], Response] | None = None,
    ) -> Response:
        rule = self._take(kind)
        if rule is None:
            return await handler()
        if rule.when == "after":
            response = await handler()
            return await self._misbehave(rule, response, error_response)
        return await self._misbehave(rule, None, error_response, handler)

    async def _misbehave(
        self,
        rule: FaultRule,
        response: Response | None,
        error_response: Callable[[FaultRule], Response] | None,
        handler: Callable[[], Awaitable[Response]] | None = None,
    ) -> Response:
        match rule.fault:
            case "5xx":
                return PlainTextResponse(rule.body or "Service Unavailable", rule.status)
            case "429":
                headers = {}
                if rule.retry_after is not None:
                    headers["Retry-After"] = f"{rule.retry_after:g}"
                return PlainTextResponse("Too Many Requests", 429, headers=headers)
            case "timeout":
                await asyncio.sleep(rule.delay_s if rule.delay_s is not None else 120.0)
                return DropConnection()
            case "reset":
                return DropConnection()
            case "malformed":
                return PlainTextResponse(
                    rule.body or "<<not json, not xml>>\x00", 200, media_type="application/xml"
                )
            case "slow":
                await asyncio.sleep(rule.delay_s if rule.delay_s is not None else 5.0)
                if response is not None:
                    return response
                assert handler is not None
                return await handler()
            case "kill":
                if rule.pgid is not None:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(rule.pgid, signal.SIGKILL)
                return DropConnection()
            case "error":
                if error_response is None:
                    return PlainTextResponse(rule.body or "error", rule.status)
                return error_response(rule)
        raise AssertionError(f"unhandled fault {rule.fault}")


class DropConnectionMiddleware:
    """Lets :class:`DropConnection` abort the TCP connection, as a crashed peer or a middlebox
    would: no status line, no body. uvicorn exposes no transport to ASGI apps, so the abort
    reaches it through the protocol object that owns the server's ``send``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        transport = getattr(getattr(send, "__self__", None), "transport", None)
        if transport is not None:
            scope = {**scope, _ABORT_KEY: transport.abort}
        await self.app(scope, receive, send)


@dataclass(frozen=True)
class RequestRecord:
    kind: str
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: str


class Recorder:
    """Every request a sandbox served: counts per call kind and full records, so tests can
    prove what the agent did (and that no secret ever travelled in a URL)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._records: list[RequestRecord] = []

    def record(self, kind: str, request: Request, body: bytes = b"") -> None:
        entry = RequestRecord(
            kind=kind,
            method=request.method,
            path=request.url.path,
            query=request.url.query,
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body.decode("utf-8", "replace"),
        )
        with self._lock:
            self._counts[kind] += 1
            self._records.append(entry)

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def records(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(r) for r in self._records]

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._records.clear()
