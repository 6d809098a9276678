"""DNS-01 (RFC 8555 §8.4): publish ``_acme-challenge.<name>`` TXT, wait until every
authoritative server of the zone answers it, answer the challenge, then remove the record.

Two publishers: RFC 2136 dynamic UPDATE signed with TSIG (RFC 8945) through dnspython, or a
user's hook script called as ``HOOK add|del FQDN VALUE`` (the value is the public digest the
CA looks up in DNS, not a secret). Blocking code: called from a worker thread.
"""

from __future__ import annotations

import logging
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
import dns.tsigkeyring
import dns.update

from pancert.acme.errors import AcmeChallengeError
from pancert.config.acme import AcmeCredential

log = logging.getLogger("pancert.acme")

HOOK_TIMEOUT_S = 120
QUERY_TIMEOUT_S = 5.0
TTL = 60


class TxtPublisher(Protocol):
    def add(self, fqdn: str, value: str) -> None: ...

    def delete(self, fqdn: str, value: str) -> None: ...


def split_host_port(text: str, default_port: int = 53) -> tuple[str, int]:
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, int(port)
    return text, default_port


@dataclass(frozen=True)
class HookPublisher:
    hook: Path

    def _run(self, verb: str, fqdn: str, value: str) -> None:
        try:
            done = subprocess.run(
                [str(self.hook), verb, fqdn, value],
                capture_output=True,
                text=True,
                timeout=HOOK_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise AcmeChallengeError(
                f"DNS hook {self.hook} {verb} {fqdn}: {exc}",
                hint="acme_dns_hook must be an executable that returns within 2 minutes",
            ) from exc
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise AcmeChallengeError(
                f"DNS hook {self.hook} {verb} {fqdn} exited {done.returncode}: {tail[0]}",
                hint="run the hook by hand with the same arguments to see why",
            )

    def add(self, fqdn: str, value: str) -> None:
        self._run("add", fqdn, value)

    def delete(self, fqdn: str, value: str) -> None:
        self._run("del", fqdn, value)


class Rfc2136Publisher:
    def __init__(self, credential: AcmeCredential) -> None:
        assert credential.rfc2136_server
        assert credential.rfc2136_zone
        assert credential.tsig_key_name
        assert credential.tsig_secret is not None
        self.server, self.port = split_host_port(credential.rfc2136_server)
        self.zone = dns.name.from_text(credential.rfc2136_zone)
        self.keyring = dns.tsigkeyring.from_text(
            {credential.tsig_key_name: credential.tsig_secret.get_secret_value()}
        )
        self.algorithm = dns.name.from_text(credential.tsig_algorithm)

    def _send(self, fqdn: str, value: str, *, add: bool) -> None:
        name = dns.name.from_text(fqdn)
        if not name.is_subdomain(self.zone):
            raise AcmeChallengeError(
                f"RFC 2136: {fqdn} is not in zone {self.zone}",
                hint="set acme_rfc2136_zone to the zone that holds the names of the profile",
            )
        update = dns.update.UpdateMessage(
            self.zone, keyring=self.keyring, keyalgorithm=self.algorithm
        )
        relative = name.relativize(self.zone)
        if add:
            update.add(relative, TTL, "TXT", f'"{value}"')
        else:
            update.delete(relative, "TXT", f'"{value}"')
        try:
            response = dns.query.tcp(update, self.server, port=self.port, timeout=QUERY_TIMEOUT_S)
        except (OSError, dns.exception.DNSException) as exc:
            raise AcmeChallengeError(
                f"RFC 2136 update of {fqdn} at {self.server}:{self.port}: {exc}",
                hint="check acme_rfc2136_server and the TSIG key name, secret and algorithm",
            ) from exc
        if response.rcode() != dns.rcode.NOERROR:
            raise AcmeChallengeError(
                f"RFC 2136 update of {fqdn} refused: {dns.rcode.to_text(response.rcode())}",
                hint="the server must allow this TSIG key to update TXT records in the zone",
            )

    def add(self, fqdn: str, value: str) -> None:
        self._send(fqdn, value, add=True)

    def delete(self, fqdn: str, value: str) -> None:
        self._send(fqdn, value, add=False)


def publisher_for(credential: AcmeCredential) -> TxtPublisher | None:
    if credential.challenge == "dns-01-hook":
        assert credential.dns_hook is not None
        return HookPublisher(credential.dns_hook)
    if credential.challenge == "dns-01-rfc2136":
        return Rfc2136Publisher(credential)
    return None


def authoritative_servers(fqdn: str, configured: tuple[str, ...]) -> list[tuple[str, int]]:
    """The configured servers, else the addresses of the zone's NS records."""
    if configured:
        return [split_host_port(s) for s in configured]
    try:
        zone = dns.resolver.zone_for_name(fqdn)
        found: list[tuple[str, int]] = []
        for ns in dns.resolver.resolve(zone, "NS"):
            for family in ("A", "AAAA"):
                try:
                    found += [(a.to_text(), 53) for a in dns.resolver.resolve(ns.target, family)]
                except dns.exception.DNSException:
                    continue
    except dns.exception.DNSException as exc:
        raise AcmeChallengeError(
            f"cannot find the authoritative servers of {fqdn}: {exc}",
            hint="set acme_dns_servers to the zone's authoritative servers",
        ) from exc
    return found


def txt_values(fqdn: str, server: tuple[str, int]) -> set[str]:
    query = dns.message.make_query(fqdn, dns.rdatatype.TXT)
    try:
        response = dns.query.udp(query, server[0], port=server[1], timeout=QUERY_TIMEOUT_S)
    except (OSError, dns.exception.DNSException):
        return set()
    values: set[str] = set()
    for rrset in response.answer:
        if rrset.rdtype == dns.rdatatype.TXT:
            for rdata in rrset:
                values.add(b"".join(rdata.strings).decode("ascii", "replace"))
    return values


def wait_visible(
    fqdn: str,
    value: str,
    servers: list[tuple[str, int]],
    timeout: float,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Return once every server answers ``value`` for ``fqdn``; raise after ``timeout``."""
    deadline = clock() + timeout
    delay = 0.5
    while True:
        missing = [s for s in servers if value not in txt_values(fqdn, s)]
        if not missing:
            return
        if clock() + delay > deadline:
            where = ", ".join(f"{h}:{p}" for h, p in missing)
            raise AcmeChallengeError(
                f"TXT {fqdn} not visible on {where} after {timeout:.0f} s",
                hint="check that the hook or RFC 2136 update reaches the zone's primary and "
                "that its secondaries transfer it (acme_dns_timeout sets the wait)",
            )
        sleep(delay)
        delay = min(delay * 2, 10.0)
