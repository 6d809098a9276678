"""The redaction registry masks the longest secret first, whatever their text order: a
secret that contains another must vanish whole (src/pancert/redaction.py)."""

from __future__ import annotations

import secrets

from pancert.redaction import redact, register_secret


def test_the_longer_secret_wins_even_when_it_sorts_first() -> None:
    # the short one begins with a character above every letter, so sorted by text (not by
    # length) it would come first and leave the long one's head behind
    short = "\u00ff\u00ff" + secrets.token_hex(8)
    long = "aa-" + short
    register_secret(short)
    register_secret(long)
    assert redact(f"[{long}] [{short}]") == "[***] [***]"
