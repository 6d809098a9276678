"""Latency presets, the certificate mix, and the critical-path bound (bench/README.md).

A preset states what the outside world costs: each firewall API call, on-box key generation
per key type, a commit job, each SCM call, DV issuance and the SCM account's rate limit. The
time scale multiplies every duration and divides the rate, so a scaled run keeps the ratios
and its bound scales with it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

KeyType = tuple[str, int]


@dataclass(frozen=True)
class Preset:
    name: str
    call_s: float
    """Every PAN-OS API call (the management plane's round trip)."""
    keygen_s: dict[str, float]
    """``request certificate generate`` per ``RSA-2048``/``EC-256``/… key."""
    commit_s: float
    scm_call_s: float
    dv_issue_s: float
    scm_rate_per_s: float
    """Requests per second per SCM account; 429 beyond."""
    mix: tuple[KeyType, ...] = field(default=(("RSA", 2048),))
    """Key type of certificate slot ``i`` on every firewall is ``mix[i % len(mix)]``."""
    pending_collects: int = 0
    """"Being processed" answers SCM gives each order before the chain, however early it was
    issued. 0: the first collect after the DV delay returns the chain (the bound's 2 calls
    per order); the sandbox's default is 1, after the real service (docs/sandbox-fidelity.md)."""
    time_scale: float = 1.0

    def scaled(self, factor: float) -> Preset:
        if factor <= 0:
            raise ValueError("the time scale must be positive")
        return dataclasses.replace(
            self,
            call_s=self.call_s * factor,
            keygen_s={k: v * factor for k, v in self.keygen_s.items()},
            commit_s=self.commit_s * factor,
            scm_call_s=self.scm_call_s * factor,
            dv_issue_s=self.dv_issue_s * factor,
            scm_rate_per_s=self.scm_rate_per_s / factor,
            time_scale=self.time_scale * factor,
        )

    def key_type(self, slot: int) -> KeyType:
        return self.mix[slot % len(self.mix)]

    def keygen(self, key: KeyType) -> float:
        return self.keygen_s[f"{key[0]}-{key[1]}"]

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "time_scale": self.time_scale,
            "panos_call_s": self.call_s,
            "keygen_s": dict(self.keygen_s),
            "commit_s": self.commit_s,
            "scm_call_s": self.scm_call_s,
            "dv_issue_s": self.dv_issue_s,
            "scm_rate_per_s": self.scm_rate_per_s,
            "key_mix": [f"{a}-{b}" for a, b in self.mix],
            "scm_pending_collects": self.pending_collects,
        }


# Four RSA-2048 and one EC-256 per five profiles: the common case, with the cheap key type
# present so the per-type keygen times both matter.
FAST = Preset(
    name="fast",
    call_s=0.020,
    keygen_s={"RSA-2048": 0.300, "EC-256": 0.050, "RSA-4096": 2.0},
    commit_s=10.0,
    scm_call_s=0.050,
    dv_issue_s=5.0,
    scm_rate_per_s=50.0,
    mix=(("RSA", 2048), ("RSA", 2048), ("RSA", 2048), ("RSA", 2048), ("EC", 256)),
)

# The issue fixes calls, RSA-4096 and commit; RSA-2048 and EC-256 keep the VM-Series ratio
# of the fast preset to RSA-4096 (an assumption, stated in bench/README.md). One profile in
# five uses RSA-4096 so the slow key type is on every firewall's critical path.
REALISTIC = Preset(
    name="realistic",
    call_s=0.150,
    keygen_s={"RSA-2048": 0.450, "EC-256": 0.075, "RSA-4096": 3.0},
    commit_s=90.0,
    scm_call_s=0.050,
    dv_issue_s=5.0,
    scm_rate_per_s=50.0,
    mix=(("RSA", 4096), ("RSA", 2048), ("RSA", 2048), ("RSA", 2048), ("EC", 256)),
)

PRESETS = {p.name: p for p in (FAST, REALISTIC)}


SCM_BURST_S = 1.0
"""The sandbox SCM's token bucket holds one second's worth of calls
(``SandboxAuthority.throttle`` in src/pancert/sandbox/scm/auth.py): that many go at once."""


@dataclass(frozen=True)
class Bound:
    seconds: float
    scm_s: float
    firewall_s: float
    arithmetic: list[str]


def rotation_bound(preset: Preset, firewalls: int, per_firewall: int) -> Bound:
    """The tight critical-path bound for rotating every certificate once (bench/README.md):

    max(SCM term = the rate-limited calls SCM must answer (enroll, each "being processed"
        answer the service owes, the collect that returns the chain), less one bucket's burst,
        / rate, PLUS the shortest tail after the last collect: its reply, import, rebind,
        delete, commit and one poll on the firewall that receives that certificate,
        firewall term = the slowest firewall's serial chain: inventory, Σ per certificate
        (generate + export), then the last certificate's enroll, issuance, collect, import,
        rebind, delete, commit and one poll; the other certificates' import, rebind and
        delete fit in that issuance wait (else the excess is added)).

    Every simplification errs low (the OAuth token is outside SCM's rate limit; the first
    enroll may not go before a CSR exists; pancert's own status reads are not forced), so
    no schedule can beat it. Every firewall carries the same mix: each is the slowest."""
    certs = firewalls * per_firewall
    rate, c, scm_c = preset.scm_rate_per_s, preset.call_s, preset.scm_call_s
    per_order = 2 + preset.pending_collects
    scm_calls = per_order * certs
    burst = rate * SCM_BURST_S
    scm_wait = max(0.0, scm_calls - burst) / rate
    tail = scm_c + 3 * c + preset.commit_s + c
    scm_s = scm_wait + tail
    slots = [preset.key_type(i) for i in range(per_firewall)]
    make = [c + preset.keygen(k) + c for k in slots]
    others = (per_firewall - 1) * 3 * c
    wait = scm_c + preset.dv_issue_s + scm_c
    excess = max(0.0, others - wait)
    fw_s = c + sum(make) + wait + excess + 3 * c + preset.commit_s + c
    counts: dict[KeyType, int] = {}
    for k in slots:
        counts[k] = counts.get(k, 0) + 1
    terms = " + ".join(
        f"{n} x ({c:.3f} + {preset.keygen(k):.3f} + {c:.3f}) [{k[0]}-{k[1]}]"
        for k, n in counts.items()
    )
    lines = [
        f"SCM calls = {per_order} per order (enroll, {preset.pending_collects} x 'being "
        f"processed', collect) x {certs} = {scm_calls}; the bucket's burst {burst:g} go at once",
        f"SCM term = ({scm_calls} - {burst:g}) / {rate:g} per s = {scm_wait:.3f} s + tail "
        f"[collect reply {scm_c:.3f} + import, rebind, delete 3 x {c:.3f} + commit "
        f"{preset.commit_s:.3f} + one poll {c:.3f} = {tail:.3f}] = {scm_s:.2f} s",
        f"firewall term = inventory {c:.3f} + Σ (generate + export) [{terms}] = "
        f"{sum(make):.3f} + enroll {scm_c:.3f} + issuance {preset.dv_issue_s:.3f} + collect "
        f"{scm_c:.3f} + import, rebind, delete 3 x {c:.3f} + commit {preset.commit_s:.3f} "
        f"+ one poll {c:.3f}"
        + (f" + excess {excess:.3f}" if excess else "")
        + f" = {fw_s:.2f} s (the other {per_firewall - 1} certificates' import, rebind, "
        f"delete, {others:.3f} s, "
        + (
            f"exceed the last one's wait {wait:.3f} by that excess)"
            if excess
            else f"fit in the last one's wait {wait:.3f})"
        ),
        f"bound = max({scm_s:.2f}, {fw_s:.2f}) = {max(scm_s, fw_s):.2f} s",
    ]
    return Bound(max(scm_s, fw_s), scm_s, fw_s, lines)


def noop_bound(preset: Preset) -> Bound:
    """Nothing due: one inventory read per firewall (in parallel), no SCM call."""
    c = preset.call_s
    return Bound(c, 0.0, c, [f"no-op bound = one inventory read = {c:.3f} s (0 SCM calls)"])
