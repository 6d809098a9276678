"""The redaction registry masks the longest secret first, whatever their text order: a
secret that contains another must vanish whole (src/pancert/redaction.py)."""

from __future__ import annotations

import secrets

from pancert.redaction import may_hold_secret, redact, register_secret


def test_the_longer_secret_wins_even_when_it_sorts_first() -> None:
    # the short one begins with a character above every letter, so sorted by text (not by
    # length) it would come first and leave the long one's head behind
    short = "\u00ff\u00ff" + secrets.token_hex(8)
    long = "aa-" + short
    register_secret(short)
    register_secret(long)
    assert redact(f"[{long}] [{short}]") == "[***] [***]"


def test_a_line_without_the_start_of_any_secret_is_not_searched() -> None:
    secret = "fast-" + secrets.token_hex(8)
    register_secret(secret)
    assert not may_hold_secret("nothing to see here")
    assert not may_hold_secret(secret[:3])
    assert may_hold_secret(secret[:4])
    assert may_hold_secret(f"Authorization: Bearer {secret}")
    assert redact(f"before {secret} after") == "before *** after"
