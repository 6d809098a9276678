"""PAN-OS XML API client (firewalls now; Panorama locations slot into :mod:`.xpaths`).

Public surface: :class:`PanosClient`, :func:`open_client`, :func:`order_chain`, the values in
:mod:`.models` and the errors in :mod:`.errors`.
"""

from pancert.panos.chain import order_chain
from pancert.panos.client import PanosClient, open_client

__all__ = ["PanosClient", "open_client", "order_chain"]
