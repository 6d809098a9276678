"""Progress: a line on a terminal, nothing under cron (no terminal)."""

from __future__ import annotations

import os
import pty
import re
import subprocess

from pancert.sandbox.world import ADMIN_LABEL, DEMO_PROFILES, ProfileSpec, SandboxWorld
from tests.e2e.conftest import Agent, configure


def on_a_terminal(agent: Agent, *args: str) -> tuple[int, list[str]]:
    """Run the agent with stderr on a pseudo-terminal; the code and the progress lines."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        agent.command(*args),
        env=agent.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    code = process.wait(120)
    return code, [p for p in re.split(r"\r|\n|\x1b\[K", seen.decode()) if p.strip()]


def test_progress_shows_on_a_terminal_and_stays_quiet_without_one(world: SandboxWorld) -> None:
    agent = configure(world, *DEMO_PROFILES, pancert_metrics_dir="off")
    code, lines = on_a_terminal(agent, "renew")
    assert code == 0
    assert "firewalls 0/2 done · 0 certificates rotated · 0 waiting on SCM" in lines
    assert lines[-1] == "firewalls 2/2 done · 3 certificates rotated · 0 waiting on SCM"

    # the same run from cron: stderr is not a terminal, so no progress at all
    quiet = agent("renew", "--force", "-p", "web")
    assert quiet.code == 0
    assert "firewalls" not in quiet.err


def test_an_order_awaiting_approval_shows_as_waiting_on_scm(world: SandboxWorld) -> None:
    ev = ProfileSpec("portal", "portal.example.org", credential=ADMIN_LABEL, cert_type="EV")
    agent = configure(world, ev, pancert_metrics_dir="off", sectigo_collect_timeout=0)
    code, lines = on_a_terminal(agent, "renew")
    assert code == 0  # pending is normal
    assert lines[-1] == "firewalls 1/1 done · 0 certificates rotated · 1 waiting on SCM"
