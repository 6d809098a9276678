"""What starting pancert imports: the renew path pays for each module on every run."""

from __future__ import annotations

import subprocess
import sys

_PROBE = """
import sys
import pancert.cli
import httpx
from pancert.commands._lifecycle import run_action
from pancert.config import load_config
from pancert.wiring import Connections
print(" ".join(sorted({m.split(".")[0] for m in sys.modules} | set(sys.modules))))
"""


def test_renew_start_up_leaves_out_httpx_cli_and_acme_client() -> None:
    found = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "httpx" in found
    for heavy in ("click", "pygments", "requests", "dns", "pancert.acme"):
        assert heavy not in found, heavy
