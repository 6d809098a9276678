"""pancert: TLS certificates on Palo Alto Networks firewalls, issued and renewed by Sectigo SCM.

The private key is generated on the firewall and never leaves it; pancert moves only the CSR out
and the signed chain in. See docs/architecture.md for the data flow and the per-profile state
machine.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pancert")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
