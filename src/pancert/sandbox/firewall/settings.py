"""What a sandbox firewall is like: timings, behaviours and switches (docs/sandbox-fidelity.md).

The switches cover what the reference leaves unverified or what real fleets show, so tests
can prove pancert copes with either behaviour (panos.md §4, §6, §10).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import ec, rsa

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

SUPPORTED_VERSIONS = ("10.1", "10.2", "11.0", "11.1", "11.2", "12.1")


class KeyPool:
    """Pre-generated key pairs handed out once each, so a benchmark does not spend its time
    making RSA keys. A key taken is removed: no two objects ever share a key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[tuple[str, int], list[PrivateKey]] = defaultdict(list)

    def fill(self, algorithm: str, bits: int, count: int) -> KeyPool:
        for _ in range(count):
            self.add(algorithm, bits, generate_key(algorithm, bits))
        return self

    def add(self, algorithm: str, bits: int, key: PrivateKey) -> None:
        with self._lock:
            self._keys[(algorithm, bits)].append(key)

    def take(self, algorithm: str, bits: int) -> PrivateKey | None:
        with self._lock:
            keys = self._keys.get((algorithm, bits))
            return keys.pop() if keys else None

    def remaining(self, algorithm: str, bits: int) -> int:
        with self._lock:
            return len(self._keys.get((algorithm, bits), []))


_CURVES: dict[int, type[ec.EllipticCurve]] = {
    256: ec.SECP256R1,
    384: ec.SECP384R1,
    521: ec.SECP521R1,
}


def generate_key(algorithm: str, bits: int) -> PrivateKey:
    if algorithm == "RSA":
        return rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return ec.generate_private_key(_CURVES[bits]())


@dataclass
class FirewallSettings:
    """Behaviour of every firewall of a fleet (each firewall may get its own copy)."""

    sw_version: str = "11.1.4"
    """Decides the decryption-rule certificate shape: a member list on 10.2+, one value before."""
    model: str = "PA-VM"
    call_latency_s: float = 0.0
    """Added to every API call, like a management plane's round trip."""
    keygen_latency_s: dict[str, float] = field(default_factory=dict)
    """Minimum time of ``request certificate generate`` per ``RSA-2048``/``EC-256``… key."""
    key_pool: KeyPool | None = None
    commit_duration_s: float = 0.3
    """How long a commit job stays ACT before FIN."""
    serialize_mutations: bool = True
    """One management-plane queue: mutating calls of one firewall run one at a time."""
    ha_enabled: bool = False
    """Part of an HA pair (``show high-availability state`` answers enabled)."""
    ha_passive: bool = False
    """HA passive peer: every write, import, generate and commit is refused with code 15."""
    panorama_managed: bool = False
    csr_candidate_only: bool = False
    """A generated CSR entry exists only in the candidate until committed (the reference
    reports it in the running config, §4 — unverified either way)."""
    chain_as_leaf_only: bool = False
    """An imported chain is kept as the leaf alone (some releases drop the intermediates)."""
    refuse_ecdsa_521: bool = True
    """``ecdsa-nbits 521`` is refused, as the Sectigo agent's supported key types suggest."""
    max_name_length: int = 63
    multi_vsys: bool = False
    """What ``show system info`` and ``type=version`` report as ``multi-vsys``."""
    queue_commits: bool = True
    """A commit asked for while another runs waits in the queue (``queued`` YES,
    ``positionInQ``); off: refused with "Another commit/validate is in progress"."""
    tfin_time_only: bool = False
    """A finished job's ``tfin`` as ``HH:MM:SS`` (2018 samples) instead of a full timestamp."""
    panorama_connected: bool = True
    """With ``panorama_managed``: ``show panorama-status`` says ``Connected : yes``/``no``."""
    reference_lines_as_xpath: bool = False
    """Code-10 referrer lines as full XPaths (pan-chainguard #4) instead of the device's
    arrow form ``certificate-profile -> X -> CA -> Y`` (Keyfactor's PaloAltoClient.cs)."""
    multi_node_show_refused: bool = True
    """``action=show`` of an XPath matching several nodes is refused (error, no code —
    wording unverified); off: every match is returned."""
    partial_xpath_unattributed: bool = True
    """A ``set`` on a partial XPath (container + wrapping ``<entry>``) is attributed to the
    container's last such writer, not to its own admin (PAN-OS 11.0.3-h3+)."""
    export_ignores_vsys: bool = True
    """``type=export`` looks in shared whatever ``vsys=`` says (no public tool sends ``vsys``
    on an export, so whether the device honours it is unverified); off: it is honoured."""
    quoted_boundary_literal: bool = True
    """A quoted multipart ``boundary=`` keeps its quotes, so the upload arrives empty (PAN-OS
    refuses quoted boundaries); off: the quotes are stripped as RFC 2046 allows."""
    commit_by_other_after_writes: bool = False
    """After every successful write, another admin commits the whole candidate, and what
    would break is recorded in ``Firewall.binding_violations`` (the "another admin
    commits" case of README.md's reliability section)."""

    @classmethod
    def fast(cls) -> FirewallSettings:
        """The benchmark preset: a VM-Series' rough key-generation times, short commits."""
        return cls(
            keygen_latency_s={
                "RSA-2048": 0.3,
                "RSA-3072": 0.9,
                "RSA-4096": 2.0,
                "EC-256": 0.05,
                "EC-384": 0.08,
            },
            commit_duration_s=0.5,
        )

    def decryption_members(self) -> bool:
        major, minor = (int(p) for p in self.sw_version.split(".")[:2])
        return (major, minor) >= (10, 2)
