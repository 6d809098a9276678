"""Which peer of an HA pair pancert writes to, from the two ``show high-availability state``
answers — or the failure (with its hint) that stops the pair instead of a guess."""

from __future__ import annotations

import pytest

from pancert.panos.ha_choice import HaSyncDisabledError, NoActivePeerError, choose_active
from pancert.panos.models import HaState

URLS = ("https://a", "https://b")


def ha(state: str | None, *, sync: bool | None = True, enabled: bool = True) -> HaState:
    return HaState(
        enabled=enabled, local_state=state, running_sync="synchronized", sync_enabled=sync
    )


@pytest.mark.parametrize(
    ("first", "second", "chosen"),
    [
        (ha("active"), ha("passive"), 0),
        (ha("passive"), ha("active"), 1),
        (ha("active-primary"), ha("active-secondary"), 0),
        (ha("active-secondary"), ha("active-primary"), 1),
        (ha("active"), ha("suspended"), 0),
        (ha("non-functional"), ha("active"), 1),
        (ha("active"), ha("passive", sync=None), 0),  # older releases omit the field
    ],
)
def test_exactly_one_active_peer_is_chosen(first: HaState, second: HaState, chosen: int) -> None:
    assert choose_active("fw_ha", URLS, [first, second]) == chosen


@pytest.mark.parametrize(
    ("first", "second", "words"),
    [
        (ha("passive"), ha("passive"), "no active peer"),
        (ha("initial"), ha("tentative"), "no active peer"),
        (ha("suspended"), ha("non-functional"), "no active peer"),
        (ha("active"), ha("active"), "more than one active peer"),
        (ha(None, enabled=False), ha("active"), "HA is not enabled on every peer"),
    ],
)
def test_no_single_active_peer_is_a_failure_with_a_hint(
    first: HaState, second: HaState, words: str
) -> None:
    with pytest.raises(NoActivePeerError) as caught:
        choose_active("fw_ha", URLS, [first, second])
    assert words in str(caught.value)
    assert "https://a" in str(caught.value)
    assert caught.value.hint is not None
    assert "show high-availability state" in caught.value.hint


def test_sync_disabled_on_the_active_peer_is_a_failure_with_a_hint() -> None:
    with pytest.raises(HaSyncDisabledError) as caught:
        choose_active("fw_ha", URLS, [ha("passive"), ha("active", sync=False)])
    assert "https://b" in str(caught.value)
    assert caught.value.hint is not None
    assert "Enable Config Sync" in caught.value.hint
