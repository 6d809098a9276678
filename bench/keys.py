"""Key material for the sandbox firewalls' ``request certificate generate``.

Generating thousands of RSA keys would make the sandbox, not pancert, the thing measured,
so the fleet draws keys from a :class:`~pancert.sandbox.firewall.KeyPool` filled before the
run: from a disk cache (``bench/.cache/keys``, DER, generated once per machine on every
core), topped up when short. Within one sandbox world a key is handed out once and never
again (the pool removes it); only separate, independent worlds see the same key material.
"""

from __future__ import annotations

import os
import struct
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from pancert.sandbox.firewall import KeyPool
from pancert.sandbox.firewall.settings import generate_key

CACHE = Path(
    os.environ.get("PANCERT_BENCH_KEY_CACHE") or Path(__file__).resolve().parent / ".cache" / "keys"
)
"""Where generated keys are kept between runs (``PANCERT_BENCH_KEY_CACHE`` overrides)."""


def _der(spec: tuple[str, int]) -> bytes:
    key = generate_key(*spec)
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _read(path: Path) -> list[bytes]:
    if not path.exists():
        return []
    data, blobs, at = path.read_bytes(), [], 0
    while at + 4 <= len(data):
        (size,) = struct.unpack_from(">I", data, at)
        blobs.append(data[at + 4 : at + 4 + size])
        at += 4 + size
    return blobs


def _append(path: Path, blobs: list[bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as handle:
        for blob in blobs:
            handle.write(struct.pack(">I", len(blob)) + blob)


def cached_keys(algorithm: str, bits: int, count: int, cache: Path = CACHE) -> list[bytes]:
    """``count`` DER keys of one type, generating (on every core) what the cache lacks."""
    path = cache / f"{algorithm}-{bits}.der"
    blobs = _read(path)
    missing = count - len(blobs)
    if missing > 0:
        print(f"generating {missing} {algorithm}-{bits} keys into {path} …", file=sys.stderr)
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            fresh = list(pool.map(_der, [(algorithm, bits)] * missing, chunksize=16))
        _append(path, fresh)
        blobs += fresh
    return blobs[:count]


def fill_pool(needs: dict[tuple[str, int], int], cache: Path = CACHE) -> KeyPool:
    pool = KeyPool()
    for (algorithm, bits), count in needs.items():
        for blob in cached_keys(algorithm, bits, count, cache):
            key = serialization.load_der_private_key(
                blob, password=None, unsafe_skip_rsa_key_validation=True
            )
            assert isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
            pool.add(algorithm, bits, key)
    return pool
