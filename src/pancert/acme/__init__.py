"""ACME (RFC 8555) as a certificate authority for the lifecycle: Sectigo ACME with External
Account Binding, Let's Encrypt, or a private ACME CA. The key is still generated on the
firewall; the CSR it exports finalizes the order."""

from pancert.acme.authority import AcmeAuthority
from pancert.acme.errors import AcmeError
from pancert.acme.renewal import RenewalHint

__all__ = ["AcmeAuthority", "AcmeError", "RenewalHint"]
