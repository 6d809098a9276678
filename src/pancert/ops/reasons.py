"""Revocation reasons a subscriber may give (kept apart from :mod:`pancert.ops.revoke` so
the command line can name them without loading the revocation machinery)."""

from __future__ import annotations

REASONS = {
    "unspecified": 0,
    "keycompromise": 1,
    "affiliationchanged": 3,
    "superseded": 4,
    "cessationofoperation": 5,
}
"""RFC 5280 §5.3.1 reason codes a subscriber may ask for (the others are the CA's to use)."""
REASON_NAMES = ("unspecified", "keyCompromise", "affiliationChanged", "superseded",
                "cessationOfOperation")  # fmt: skip
