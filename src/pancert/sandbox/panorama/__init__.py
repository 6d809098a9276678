"""The sandbox Panorama: managed firewalls reached with ``target=<serial>``, templates,
template stacks, admin-scoped commits and ``commit-all`` pushes with per-device results.

:class:`Panorama` is the in-process state tests inspect and switch; :class:`PanoramaApp`
serves it. docs/sandbox-fidelity.md ("## Panorama") says which behaviour rests on which
public source.
"""

from pancert.sandbox.panorama.app import PanoramaApp, panorama_state
from pancert.sandbox.panorama.panorama import (
    PANORAMA_ADMIN,
    STACK,
    TEMPLATE,
    ManagedDevice,
    Panorama,
)

__all__ = [
    "PANORAMA_ADMIN",
    "STACK",
    "TEMPLATE",
    "ManagedDevice",
    "Panorama",
    "PanoramaApp",
    "panorama_state",
]
