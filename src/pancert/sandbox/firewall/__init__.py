"""The sandbox PAN-OS firewall fleet: the XML API over real HTTPS on loopback.

:class:`FirewallFleet` is the launcher's handle (one ASGI app for every firewall);
:class:`Firewall` is the in-process state tests inspect and seed. See :mod:`.app` for the
``/_sandbox/`` control endpoints and docs/sandbox-fidelity.md ("## PAN-OS") for what is
emulated and how faithfully.
"""

from pancert.sandbox.firewall.app import FirewallFleet, state
from pancert.sandbox.firewall.firewall import Firewall
from pancert.sandbox.firewall.settings import FirewallSettings, KeyPool

__all__ = ["Firewall", "FirewallFleet", "FirewallSettings", "KeyPool", "state"]
