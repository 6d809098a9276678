"""A run killed between ordering and finalizing resumes the same order; renewal follows ARI
(the sandbox's own endpoint, since Pebble 2.4 has none) or two thirds of the lifetime."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
import time
from pathlib import Path

from cryptography import x509

from pancert.acme.renewal import cert_id
from tests.e2e.conftest import VSYS1, certificate_names, running_text

from .conftest import WorldFactory, acme_agent, edit_credential, order_book, pebble

GATED_HOOK = """#!{python}
import os, subprocess, sys, time
folder = {folder!r}
if sys.argv[1] == "add":
    open(os.path.join(folder, "added"), "a").close()
    while os.path.exists(os.path.join(folder, "gate")):
        time.sleep(0.05)
sys.exit(subprocess.call([{python!r}, {hook!r}, *sys.argv[1:]]))
"""


def _leaf(world: object) -> x509.Certificate:
    """The certificate the profile's object holds now (renamed at each rotation)."""
    fw = world.fleet.firewalls[0]  # type: ignore[attr-defined]
    (name,) = certificate_names(fw)
    (pem,) = running_text(fw, f"{VSYS1}/certificate/entry[@name='{name}']/public-key")
    return x509.load_pem_x509_certificate(pem.encode())


def test_killed_between_order_and_finalize_resumes_the_one_order(
    acme_world: WorldFactory, tmp_path: Path
) -> None:
    world = acme_world()
    agent = acme_agent(world)
    gate = tmp_path / "gate"
    gate.touch()
    hook = tmp_path / "gated-hook.py"
    hook.write_text(
        GATED_HOOK.format(python=sys.executable, folder=str(tmp_path), hook=str(pebble(world).hook))
    )
    hook.chmod(0o700)
    edit_credential(agent, acme_dns_hook=str(hook))
    process = agent.spawn("enroll", "-p", "site")
    deadline = time.monotonic() + 60
    while not (tmp_path / "added").exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the hook was never called"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    assert process.wait(30) == -9
    assert agent.journal("site", "fw_sandbox1")["rotation"]["step"] == "ORDERED"
    (entry,) = order_book(agent)
    assert entry["order_url"]
    assert entry["chain_pem"] is None
    gate.unlink()
    result = agent("enroll", "-p", "site")
    assert result.code == 0, result.text
    assert len(pebble(world).ari.new_orders) == 1
    (entry,) = order_book(agent)
    assert entry["chain_pem"]
    assert certificate_names(world.fleet.firewalls[0]) == ["site"]
    assert (
        _leaf(world).public_key() == x509.load_pem_x509_csr(entry["csr_pem"].encode()).public_key()
    )


def test_ari_window_is_followed_retry_after_honoured_and_replaces_sent(
    acme_world: WorldFactory,
) -> None:
    world = acme_world(always_valid=True, ari=True)
    agent = acme_agent(world)
    assert agent("enroll", "-p", "site").code == 0
    ari = pebble(world).ari
    old = _leaf(world)
    certid = cert_id(old)
    now = dt.datetime.now(dt.UTC)
    ari.retry_after_s = 3600
    window = (now + dt.timedelta(days=30), now + dt.timedelta(days=31))
    ari.windows[certid] = window
    waiting = agent("renew", "-p", "site")
    assert waiting.code == 0, waiting.text
    assert "unchanged" in waiting.out
    assert "ARI suggested window" in waiting.out
    assert ari.requests == [certid]
    cache = agent.state / "acme" / "ari" / f"{certid}.json"
    chosen = dt.datetime.fromisoformat(json.loads(cache.read_text())["chosen"])
    assert window[0] <= chosen <= window[1]
    assert f"renew from {chosen:%Y-%m-%d %H:%M}" in waiting.out
    (row,) = agent.status()
    assert row["next_action"].startswith("renew from ")
    assert "ARI suggested window" in row["next_action"]
    dry = agent("renew", "--dry-run", "-p", "site")
    assert "ARI suggested window" in dry.out

    ari.windows[certid] = (now - dt.timedelta(hours=2), now - dt.timedelta(hours=1))
    early = agent("renew", "-p", "site")
    assert "unchanged" in early.out, early.text
    assert ari.requests == [certid], "asked again before the CA's Retry-After"

    data = json.loads(cache.read_text())
    data["next_check"] = (now - dt.timedelta(seconds=1)).isoformat()  # the hour has passed
    cache.write_text(json.dumps(data))
    due = agent("renew", "-p", "site")
    assert due.code == 0, due.text
    assert "converged" in due.out
    assert ari.requests == [certid, certid]
    assert ari.new_orders[-1].get("replaces") == certid
    assert len(ari.new_orders) == 2
    assert _leaf(world).serial_number != old.serial_number
    log = (agent.config.parent / "logs" / "pancert.log").read_text()
    assert "rotation started (renewal-time)" in log


def test_without_ari_renewal_is_at_two_thirds_of_the_lifetime(acme_world: WorldFactory) -> None:
    world = acme_world(always_valid=True)
    agent = acme_agent(world)
    assert agent("enroll", "-p", "site").code == 0
    leaf = _leaf(world)
    start, end = leaf.not_valid_before_utc, leaf.not_valid_after_utc
    at = start + (end - start) * 2 / 3
    result = agent("renew", "--dry-run", "-p", "site")
    assert result.code == 0, result.text
    assert f"renew from {at:%Y-%m-%d %H:%M}" in result.out
    assert "two thirds of its" in result.out
    assert agent("renew", "-p", "site").code == 0
    (row,) = agent.status()
    assert row["next_action"] == (
        f"renew from {at:%Y-%m-%d %H:%M} (two thirds of its "
        f"{(end - start).total_seconds() / 86400:.1f}-day lifetime (no ARI at this CA))"
    )


def test_retry_after_while_the_ca_issues_is_honoured_across_runs(
    acme_world: WorldFactory,
) -> None:
    world = acme_world(always_valid=True)
    agent = acme_agent(world, sectigo_collect_timeout=0)
    edit_credential(agent, acme_finalize_timeout=1)
    front = pebble(world).ari
    front.hold_processing, front.processing_retry_after_s = 1, 300  # as Sectigo answers
    first = agent("enroll", "-p", "site")
    assert "pending" in first.out, first.text
    (entry,) = order_book(agent)
    assert entry["status"] == "processing"
    polls = front.order_polls
    waiting = agent("renew", "-p", "site")
    assert "pending" in waiting.out, waiting.text
    assert front.order_polls == polls, "asked the CA again before its Retry-After"
    next_poll = dt.datetime.fromisoformat(entry["next_poll"])
    assert next_poll > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=200)
    book = next((agent.state / "acme" / "orders").glob("*.json"))
    data = json.loads(book.read_text())
    data["next_poll"] = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)).isoformat()
    book.write_text(json.dumps(data))  # the five minutes have passed
    done = agent("renew", "-p", "site")
    assert done.code == 0, done.text
    assert "converged" in done.out
    assert len(front.new_orders) == 1
