"""redact() against the plain rule it implements: every registered secret, longest first,
replaced by ``***`` wherever it occurs (the one-pass pre-check must never skip a line that
holds one)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pancert import redaction

_ALPHABET = "ab*c-"  # few letters: secrets overlap, nest and sit side by side
_SECRETS = st.lists(st.text(_ALPHABET, min_size=4, max_size=9), max_size=6)


def _plain(text: str, secrets: set[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, redaction.MASK)
    return text


@settings(max_examples=300, deadline=None)
@given(_SECRETS, st.text(_ALPHABET, max_size=40))
def test_redact_masks_exactly_what_the_plain_rule_masks(secrets: list[str], text: str) -> None:
    prefix = "redaction-test-"  # registered secrets stay for the process: keep them apart
    for secret in secrets:
        redaction.register_secret(prefix + secret)
    registered = {s for s in redaction._secrets if s.startswith(prefix)}
    line = prefix + text + prefix.join(secrets[:2])
    # other tests' secrets never occur in these lines (the prefix is not a word they use)
    assert redaction.redact(line) == _plain(line, registered)


def test_a_secret_registered_after_a_redaction_is_masked_from_then_on() -> None:
    line = "token zq-4817-late-secret in a line"
    assert redaction.redact(line) == line
    redaction.register_secret("zq-4817-late-secret")
    assert redaction.redact(line) == "token *** in a line"
