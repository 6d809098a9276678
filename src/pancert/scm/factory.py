"""Which SCM API a credential talks to, and building the client for it (enrollment.md §10)."""

from __future__ import annotations

import datetime as dt
import re
import ssl
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx

from pancert.httpio import async_client
from pancert.scm._http import MAX_IN_FLIGHT, RetryPolicy, ScmHttp
from pancert.scm.admin import SSL, AdminApiClient
from pancert.scm.auth import Authenticator, LegacyHeaders, OAuthClientCredentials
from pancert.scm.common import ScmCredentialLike
from pancert.scm.enrollment import CERTS, EnrollmentApiClient
from pancert.scm.errors import ScmConfigurationError
from pancert.scm.interface import CertificateAuthority
from pancert.scm.models import ApiKind

_ENROLL_HOST = re.compile(r"^[a-z0-9-]+\.enroll\.([a-z0-9-]+\.)?sectigo\.com$")
_HEADER_HOSTS = ("cert-manager.com", "hard.cert-manager.com", "eu.cert-manager.com")
_ADMIN_OAUTH_HOST = re.compile(r"^admin\.[a-z0-9-]+\.sectigo\.com$")
_ADMIN_PATH = re.compile(r"/api/(ssl|organization)/v\d+/?$|/customer/")
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _has_login(credential: ScmCredentialLike) -> bool:
    return bool(credential.login and credential.password)


def select_api(scm_url: str, credential: ScmCredentialLike) -> ApiKind:
    """enrollment.md §10: ``*.enroll.*.sectigo.com`` → REST Enrollment; the header-auth hosts,
    ``admin.<instance>.sectigo.com`` or an ``/api/ssl/`` or ``/customer/`` path → Admin; a
    credential with login/password → Admin; otherwise (the guide's setup, and loopback URLs
    not ending in an Admin path) → REST Enrollment. Raises for ACME URLs."""
    parts = urllib.parse.urlsplit(scm_url.strip())
    host = (parts.hostname or "").lower()
    if host.startswith("acme.") or parts.path.rstrip("/").endswith("/directory"):
        raise ScmConfigurationError(f"{scm_url} is an ACME server; pancert speaks SCM's REST APIs")
    if _ENROLL_HOST.match(host):
        return ApiKind.ENROLLMENT
    if host in _HEADER_HOSTS or _ADMIN_OAUTH_HOST.match(host) or _ADMIN_PATH.search(parts.path):
        return ApiKind.ADMIN
    if _has_login(credential):
        return ApiKind.ADMIN
    return ApiKind.ENROLLMENT


def base_url(scm_url: str, api: ApiKind) -> str:
    """The host root the client appends ``/api/...`` to (enrollment.md §2 normalisation)."""
    parts = urllib.parse.urlsplit(scm_url.strip())
    path = parts.path.rstrip("/")
    if api is ApiKind.ENROLLMENT:
        for suffix in (CERTS, "/api/v1"):
            path = path.removesuffix(suffix)
    else:
        path = re.sub(r"/customer/.*$", "", path)
        path = re.sub(r"/api/(ssl|organization)/v\d+$", "", path)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _customer_uri(scm_url: str, credential: ScmCredentialLike) -> str | None:
    if credential.customer_uri:
        return credential.customer_uri
    match = re.search(r"/customer/([^/]+)", urllib.parse.urlsplit(scm_url).path)
    return match.group(1) if match else None


def _authenticator(
    api: ApiKind,
    *,
    scm_url: str,
    credential: ScmCredentialLike,
    http: httpx.AsyncClient,
    auth_url: str | None,
    clock: Callable[[], dt.datetime],
) -> Authenticator:
    label = credential.label
    if api is ApiKind.ADMIN and _has_login(credential):
        customer_uri = _customer_uri(scm_url, credential)
        if not customer_uri:
            raise ScmConfigurationError(
                f"credential {label!r}: login/password need customerUri for the Admin API"
            )
        assert credential.login is not None
        assert credential.password is not None
        return LegacyHeaders(credential.login, credential.password.get_secret_value(), customer_uri)
    if not credential.client_id or credential.client_secret is None:
        need = "client id and secret" if api is ApiKind.ENROLLMENT else "client id/secret or login"
        raise ScmConfigurationError(f"credential {label!r}: the {api.value} API needs a {need}")
    host = (urllib.parse.urlsplit(scm_url).hostname or "").lower()
    if api is ApiKind.ADMIN and host in _HEADER_HOSTS:
        raise ScmConfigurationError(
            f"credential {label!r}: {host} takes login/password/customerUri headers, not a "
            "client id/secret (OAuth admin API keys work on admin.<instance>.sectigo.com)"
        )
    return OAuthClientCredentials(
        http,
        client_id=credential.client_id,
        client_secret=credential.client_secret.get_secret_value(),
        token_url=auth_url,
        clock=clock,
    )


def open_ca(
    *,
    scm_url: str,
    credential: ScmCredentialLike,
    auth_url: str | None,
    ca_bundle: Path | None,
    http: httpx.AsyncClient | None = None,
    clock: Callable[[], dt.datetime] = _utcnow,
    collect_formats: Sequence[str] = ("x509",),
    retry: RetryPolicy | None = None,
    max_in_flight: int = MAX_IN_FLIGHT,
) -> CertificateAuthority:
    """The client for ``credential`` at ``scm_url``. TLS is verified against ``ca_bundle`` (or
    the system store); an injected ``http`` client is used as is and not closed by us.
    ``collect_formats`` (Admin API) are fetched in order and merged, e.g. ``("x509CO",
    "x509IO")``; the REST Enrollment API has one download form. At most ``max_in_flight``
    requests of this client are on the wire at once."""
    api = select_api(scm_url, credential)
    owns = http is None
    if http is None:
        verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=str(ca_bundle)) if ca_bundle else True
        )
        http = async_client(verify=verify, timeout=TIMEOUT)
    auth = _authenticator(
        api, scm_url=scm_url, credential=credential, http=http, auth_url=auth_url, clock=clock
    )
    probe = f"{SSL}/types" if api is ApiKind.ADMIN else f"{CERTS}/0/status"
    transport = ScmHttp(
        http,
        base_url(scm_url, api),
        auth,
        retry=retry or RetryPolicy(),
        probe_path=probe,
        owns_client=owns,
        max_in_flight=max_in_flight,
    )
    if api is ApiKind.ADMIN:
        return AdminApiClient(transport, credential, clock=clock, collect_formats=collect_formats)
    return EnrollmentApiClient(transport, credential, clock=clock)
