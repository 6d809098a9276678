"""Which peer of an HA pair to write to, and the errors that stop a pair instead of a guess.

The states are those of ``show high-availability state`` (``result/group/local-info/state``:
active, passive, initial, tentative, suspended, non-functional; active-primary and
active-secondary in active/active) as pan-os-python reads them
(https://github.com/PaloAltoNetworks/pan-os-python/blob/develop/panos/base.py,
``refresh_ha_active``), matched on the ``active`` prefix so active/active pairs work too.
"""

from __future__ import annotations

from collections.abc import Sequence

from pancert.errors import PanosError
from pancert.panos.models import HaState


class HaPairError(PanosError):
    """The pair is not in a state pancert may write to; nothing was retried."""


class NoActivePeerError(HaPairError):
    hint = (
        "check `show high-availability state` on both peers; pancert writes only when exactly "
        "one peer is active (or active-primary) and never guesses"
    )


class HaSyncDisabledError(HaPairError):
    hint = (
        "enable config sync on the pair (Device > High Availability > General > Setup > "
        "Enable Config Sync), or give each peer its own firewall profile"
    )


class HaSyncTimeoutError(HaPairError):
    hint = (
        "check the HA1 link and `show high-availability state` (running-sync); `request "
        "high-availability sync-to-remote running-config` on the active peer forces a sync; "
        "the next run checks the passive peer again"
    )


class FailoverDuringRunError(HaPairError):
    hint = "nothing to do: the next run resumes on the new active peer from the journal"


class PassiveMismatchError(HaPairError):
    hint = (
        "the passive peer does not show what the active committed; check config sync, then "
        "rerun (the next run verifies again)"
    )


def describe_states(states: Sequence[HaState], urls: Sequence[str]) -> str:
    return "; ".join(
        f"{url}: {s.local_state if s.enabled else 'HA disabled'}"
        for url, s in zip(urls, states, strict=True)
    )


def choose_active(name: str, urls: Sequence[str], states: Sequence[HaState]) -> int:
    """The index of the peer to write to, or the error that says why there is none."""
    if any(not s.enabled for s in states):
        raise NoActivePeerError(
            f"HA pair {name}: HA is not enabled on every peer ({describe_states(states, urls)}); "
            "list HA peers only in paloalto_url"
        )
    active = [i for i, s in enumerate(states) if s.active]
    if len(active) == 2:  # active/active: the active-primary is the one to change
        active = [i for i in active if states[i].local_state == "active-primary"] or active
    if len(active) != 1:
        raise NoActivePeerError(
            f"HA pair {name}: {'no' if not active else 'more than one'} active peer "
            f"({describe_states(states, urls)}); nothing was written"
        )
    if states[active[0]].sync_enabled is False:
        raise HaSyncDisabledError(
            f"HA pair {name}: config sync is disabled (running-sync-enabled: no on "
            f"{urls[active[0]]}); pancert writes only to pairs that sync"
        )
    return active[0]
