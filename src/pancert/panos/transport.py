"""One firewall's HTTP side: POSTs to ``/api/`` with the key in ``X-PAN-KEY``, the envelope
check, and the switch to a pinned chain when pancert changed the management certificate
(:mod:`pancert.panos.identity`)."""

from __future__ import annotations

import logging

import httpx
from lxml import etree
from pydantic import SecretStr

from pancert.httpio import async_client, post_form
from pancert.panos.errors import (
    PanosHttpError,
    PanosReplyError,
    PanosTransportError,
    TlsIdentityError,
)
from pancert.panos.identity import TlsIdentity
from pancert.panos.xml import check_envelope, parse

log = logging.getLogger("pancert.panos")

Files = dict[str, tuple[str, bytes, str]]


class Transport:
    """Sends form (or multipart) POSTs; owns the clients it creates for a new identity."""

    def __init__(
        self,
        url: str,
        key: SecretStr,
        http: httpx.AsyncClient,
        identity: TlsIdentity | None = None,
    ) -> None:
        self.url = url
        self._key = key
        self.http = http
        self.identity = identity
        self._owned: list[httpx.AsyncClient] = []

    async def send(self, fields: dict[str, str], files: Files | None = None) -> httpx.Response:
        headers = {"X-PAN-KEY": self._key.get_secret_value()}
        try:
            return await post_form(self.http, self.url, fields, files, headers)
        except httpx.TransportError as exc:
            if self.identity is None or not self.identity.can_adopt(exc):
                raise PanosTransportError(
                    f"cannot reach {self.url}: {type(exc).__name__}: {exc}"
                ) from exc
            failure = exc
        return await self._adopt(fields, files, headers, failure)

    async def _adopt(
        self,
        fields: dict[str, str],
        files: Files | None,
        headers: dict[str, str],
        failure: httpx.TransportError,
    ) -> httpx.Response:
        """The configured verification failed and pancert expects (or learned) a new
        management certificate: retry once, requiring the CA-verified chain and the pin."""
        assert self.identity is not None
        context = self.identity.context()
        pinned = async_client(verify=context, timeout=self.http.timeout)
        self._owned.append(pinned)
        try:
            response = await post_form(pinned, self.url, fields, files, headers)
        except httpx.TransportError as exc:
            raise TlsIdentityError(
                f"cannot reach {self.url}: {type(failure).__name__}: {failure}; nor with the "
                f"management certificate pancert installed: {type(exc).__name__}: {exc}"
            ) from exc
        self.identity.adopt(context)
        log.warning(
            "%s: the firewall now presents the management certificate pancert installed "
            "(SHA-256 %s); trusting it from now on",
            self.url,
            self.identity.adopted,
        )
        self.http = pinned
        return response

    async def aclose(self) -> None:
        for client in self._owned:
            await client.aclose()


def envelope(response: httpx.Response) -> etree._Element:
    body = response.content
    if response.status_code >= 400 and not body.lstrip().startswith(b"<"):
        raise PanosHttpError(response.status_code, body[:200].decode("utf-8", "replace"))
    try:
        root = parse(body)
    except PanosReplyError:
        if response.status_code >= 400:
            raise PanosHttpError(response.status_code, "no PAN-OS envelope") from None
        raise
    return check_envelope(root, response.status_code)
