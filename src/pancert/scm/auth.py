"""How pancert proves who it is to SCM: OAuth2 client credentials or legacy admin headers.

OAuth (scm.md §2.2, enrollment.md §3): form-encoded client-credentials grant; the token is
cached and fetched again ``REFRESH_MARGIN`` before ``expires_in`` runs out, and once more after
any 401. The token URL is ``sectigo_auth_url`` when configured, else the ``authorization_uri``
the SCM host names in a 401's ``WWW-Authenticate`` (the enrollment docs say the auth server is
not fixed per customer), else the documented default. Every token is registered with
:mod:`pancert.redaction` the moment it arrives.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import Protocol

import httpx

from pancert.redaction import register_secret
from pancert.scm.errors import ScmAuthError, ScmNotSent, ScmProtocolError

log = logging.getLogger("pancert.scm")

DEFAULT_TOKEN_URL = (
    "https://auth.sso.sectigo.com/auth/realms/apiclients/protocol/openid-connect/token"  # noqa: S105 - a URL
)
REFRESH_MARGIN = dt.timedelta(seconds=60)
_FALLBACK_LIFETIME = 300
_AUTH_URI = re.compile(r'authorization_uri\s*=\s*"([^"]+)"')
_BARE_URL = re.compile(r'(?:Bearer\s+)?"?(https://[^\s",]+)"?', re.IGNORECASE)

Clock = Callable[[], dt.datetime]


class Authenticator(Protocol):
    oauth: bool

    async def headers(self) -> dict[str, str]: ...

    def invalidate(self) -> None:
        """Forget the current token (after a 401) so the next call fetches a new one."""
        ...

    def learn_challenge(self, www_authenticate: str) -> None: ...


def token_url_from_challenge(www_authenticate: str) -> str | None:
    """The token endpoint named by a 401: ``authorization_uri="…"`` (enrollment docs), or the
    header being just the URL, as in the example of SCM's OpenAPI spec 25.9.2
    (``UnauthorizedError``: "URL of authorization server to obtain a bearer token from").
    Used as is when it ends in ``/token``; a realm URL or another Keycloak endpoint of the
    realm is mapped to the realm's token endpoint."""
    match = _AUTH_URI.search(www_authenticate)
    bare = _BARE_URL.fullmatch(www_authenticate.strip())
    if match is None and bare is None:
        return None
    uri = (match.group(1) if match else bare.group(1) if bare else "").rstrip("/")
    if uri.endswith("/token"):
        return uri
    realm = re.match(r"^(.*?/realms/[^/]+)", uri)
    base = realm.group(1) if realm else uri
    return base + "/protocol/openid-connect/token"


class LegacyHeaders:
    """``login``/``password``/``customerUri`` on every Admin API call (scm.md §2.1)."""

    oauth = False

    def __init__(self, login: str, password: str, customer_uri: str) -> None:
        register_secret(password)
        self._headers = {"login": login, "password": password, "customerUri": customer_uri}

    async def headers(self) -> dict[str, str]:
        return dict(self._headers)

    def invalidate(self) -> None:
        """Nothing cached: header credentials are the same on every call."""

    def learn_challenge(self, www_authenticate: str) -> None:
        """Header auth has no token URL to learn."""


class OAuthClientCredentials:
    oauth = True

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        client_id: str,
        client_secret: str,
        token_url: str | None,
        clock: Clock,
    ) -> None:
        register_secret(client_secret)
        self._http = http
        self._client_id = client_id
        self._client_secret = client_secret
        self._token_url = token_url
        self._clock = clock
        self._probed = False
        self._token: str | None = None
        self._refresh_at = dt.datetime.min.replace(tzinfo=dt.UTC)
        self._lock = asyncio.Lock()

    def learn_challenge(self, www_authenticate: str) -> None:
        if self._token_url is None:
            self._token_url = token_url_from_challenge(www_authenticate)
        self._probed = True

    def needs_discovery(self) -> bool:
        """One probe per client: when it names no token URL, the default serves from then on
        instead of a probe before every call."""
        return self._token_url is None and not self._probed

    def invalidate(self) -> None:
        self._token = None

    async def headers(self) -> dict[str, str]:
        async with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                await self._fetch()
            assert self._token is not None
            return {"Authorization": f"Bearer {self._token}"}

    async def _fetch(self) -> None:
        url = self._token_url or DEFAULT_TOKEN_URL
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        try:
            response = await self._http.post(url, data=form)
        except httpx.HTTPError as exc:
            raise ScmNotSent(
                f"cannot reach the SCM token endpoint {url}: {type(exc).__name__}",
                operation="token",
            ) from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise ScmNotSent(
                f"the SCM token endpoint {url} is unavailable (HTTP {response.status_code})",
                operation="token",
            )
        if response.status_code != 200:
            raise ScmAuthError(
                code=None,
                description=f"token endpoint {url} refused the client credentials",
                http_status=response.status_code,
                operation="token",
            )
        try:
            payload = response.json()
            token = payload["access_token"]
            lifetime = int(payload.get("expires_in") or _FALLBACK_LIFETIME)
        except (ValueError, KeyError, TypeError) as exc:
            raise ScmProtocolError(
                f"token endpoint {url} answered without access_token/expires_in",
                http_status=response.status_code,
            ) from exc
        register_secret(token)
        self._token = str(token)
        # refresh a minute early, or halfway through a token shorter than two minutes
        margin = min(REFRESH_MARGIN, dt.timedelta(seconds=lifetime / 2))
        self._refresh_at = self._clock() + dt.timedelta(seconds=lifetime) - margin
        log.debug("SCM token obtained from %s, valid %d s", url, lifetime)
