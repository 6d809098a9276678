"""The durable record of every ACME order pancert placed, one file per order.

ACME identifies an order by its URL; the lifecycle's journal holds a number. The number is
derived from the URL (:func:`order_number`) and this book maps it back. The book is written
with the journal's atomic write (temporary file, fsync, rename, folder fsync):

* ``intent``  before the new-order request: request id and the firewall's CSR;
* ``url``     as soon as the CA answers, before anything else happens;
* ``chain``   once downloaded, so revocation later needs no firewall read.

Layout: ``<state>/acme/orders/<request id>.json``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pancert.acme.errors import AcmeOrderError
from pancert.fileio import atomic_write


def order_number(url: str) -> int:
    """A stable positive number for an order URL (48 bits of its SHA-256: collisions among
    one installation's orders are not a practical concern)."""
    return int.from_bytes(hashlib.sha256(url.encode()).digest()[:6], "big")


class OrderEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")

    request_id: str
    label: str
    directory_url: str
    csr_pem: str
    created_at: dt.datetime
    order_url: str | None = None
    order_id: int | None = None
    replaces: str | None = None
    """The RFC 9773 certID this order replaces (ARI), when the CA supports it."""
    next_poll: dt.datetime | None = None
    """Not before this time (the CA's Retry-After), kept across runs."""
    status: str | None = None
    chain_pem: str | None = None
    revoked: bool = False
    dead_urls: list[str] = []
    """Orders for this CSR that became invalid (validation failed) and were replaced."""


class OrderBook:
    def __init__(self, state_path: Path) -> None:
        self.folder = state_path / "acme" / "orders"

    def _path(self, request_id: str) -> Path:
        return self.folder / f"{request_id}.json"

    def save(self, entry: OrderEntry) -> OrderEntry:
        atomic_write(self._path(entry.request_id), entry.model_dump_json(indent=2).encode())
        return entry

    def by_request(self, request_id: str) -> OrderEntry | None:
        path = self._path(request_id)
        if not path.is_file():
            return None
        return OrderEntry.model_validate_json(path.read_bytes())

    def by_number(self, order_id: int) -> OrderEntry:
        for entry in self.entries():
            if entry.order_id == order_id:
                return entry
        raise AcmeOrderError(
            f"ACME order {order_id} is not in {self.folder}",
            hint="the state folder was restored or moved; run `pancert resolve --none` for it",
        )

    def entries(self) -> list[OrderEntry]:
        if not self.folder.is_dir():
            return []
        return [
            OrderEntry.model_validate_json(p.read_bytes())
            for p in sorted(self.folder.glob("*.json"))
        ]
