"""Sandbox authentication: the OAuth token endpoint, bearer tokens, legacy headers, rate limits.

Two kinds of OAuth client exist, as in SCM: an admin's API key (Admin API only, scm.md §2.2)
and a REST Enrollment account (``/api/v1`` only, enrollment.md §3). Legacy
``login``/``password``/``customerUri`` headers work on the Admin API only (scm.md §2.1).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from starlette.requests import Request

from pancert.sandbox.scm.store import ApiError

Api = Literal["admin", "enroll"]
TOKEN_PATH = "/auth/realms/apiclients/protocol/openid-connect/token"  # noqa: S105 - a path
REALM_PATH = "/auth/realms/apiclients"


@dataclass(frozen=True)
class ScmSandboxCredentials:
    """Everything a client needs to reach this sandbox; generated fresh per sandbox."""

    client_id: str
    client_secret: str
    login: str
    password: str
    customer_uri: str
    enroll_client_id: str
    enroll_client_secret: str
    org_id: int
    department_id: int
    validated_domains: tuple[str, ...]

    @classmethod
    def generate(
        cls, org_id: int, department_id: int, domains: tuple[str, ...]
    ) -> ScmSandboxCredentials:
        return cls(
            client_id=f"admin-{secrets.token_hex(6)}",
            client_secret=secrets.token_urlsafe(24),
            login=f"api-admin-{secrets.token_hex(3)}",
            password=secrets.token_urlsafe(18),
            customer_uri="sandbox",
            enroll_client_id=f"rest-{secrets.token_hex(6)}",
            enroll_client_secret=secrets.token_urlsafe(24),
            org_id=org_id,
            department_id=department_id,
            validated_domains=domains,
        )

    def as_json(self) -> dict[str, object]:
        data = dataclasses.asdict(self)
        data["validated_domains"] = list(self.validated_domains)
        return data


def _same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a.encode(), b.encode())


class Authority:
    def __init__(
        self,
        credentials: ScmSandboxCredentials,
        token_lifetime_s: int,
        bare_challenge: Callable[[], bool] = lambda: False,
    ) -> None:
        self.credentials = credentials
        self.token_lifetime_s = token_lifetime_s
        self._bare_challenge = bare_challenge
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[Api, float]] = {}
        self._buckets: dict[str, tuple[float, float]] = {}
        self.tokens_issued = 0

    def issue_token(self, form: dict[str, str]) -> tuple[str, int]:
        """Client-credentials grant (scm.md §2.2); raises ``(status, error)`` on refusal."""
        if form.get("grant_type") != "client_credentials":
            raise OAuthError(400, "unsupported_grant_type")
        creds = self.credentials
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if client_id == creds.client_id and _same(secret, creds.client_secret):
            api: Api = "admin"
        elif client_id == creds.enroll_client_id and _same(secret, creds.enroll_client_secret):
            api = "enroll"
        else:
            raise OAuthError(401, "unauthorized_client")
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = (api, time.monotonic() + self.token_lifetime_s)
            self.tokens_issued += 1
        return token, self.token_lifetime_s

    def expire_tokens(self) -> None:
        with self._lock:
            self._tokens = {t: (api, 0.0) for t, (api, _) in self._tokens.items()}

    def authenticate(self, request: Request, api: Api) -> str:
        """The account name the call runs as; 401 with a ``WWW-Authenticate`` challenge
        naming the auth server (enrollment.md §3) otherwise."""
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            with self._lock:
                entry = self._tokens.get(header[7:].strip())
            if entry is not None and entry[0] == api and entry[1] > time.monotonic():
                return f"oauth-{api}"
            raise self._challenge(request, "invalid_token")
        creds = self.credentials
        login = request.headers.get("login")
        if api == "admin" and login is not None:
            if (
                login == creds.login
                and _same(request.headers.get("password"), creds.password)
                and request.headers.get("customerUri") == creds.customer_uri
            ):
                return f"legacy-{login}"
            raise ApiError(401, -16, "Unknown user")
        raise self._challenge(request, None)

    def _challenge(self, request: Request, error: str | None) -> ApiError:
        base = f"{request.url.scheme}://{request.url.netloc}"
        if self._bare_challenge():
            # spec 25.9.2's UnauthorizedError example: the token URL alone
            return ApiError(401, -16, "Unknown user", {"WWW-Authenticate": base + TOKEN_PATH})
        value = f'Bearer realm="apiclients", authorization_uri="{base}{REALM_PATH}"'
        if error:
            value += f', error="{error}"'
        return ApiError(401, -16, "Unknown user", {"WWW-Authenticate": value})

    def throttle(self, account: str, rate_per_s: float | None) -> None:
        """Token bucket per account (burst = one second's worth); 429 + Retry-After beyond."""
        if rate_per_s is None:
            return
        now = time.monotonic()
        with self._lock:
            level, last = self._buckets.get(account, (rate_per_s, now))
            level = min(rate_per_s, level + (now - last) * rate_per_s)
            if level < 1.0:
                wait = max(1, round((1.0 - level) / rate_per_s + 0.5))
                self._buckets[account] = (level, now)
                raise ApiError(429, -1, "Too many requests", {"Retry-After": str(wait)})
            self._buckets[account] = (level - 1.0, now)


class OAuthError(Exception):
    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
