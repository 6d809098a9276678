"""What every pancert process pays before it does anything: the imports on its way in."""

from __future__ import annotations

import subprocess
import sys


def test_the_cli_leaves_httpx_command_line_client_unimported() -> None:
    """httpx's own CLI (click, pygments) is never run by pancert, so never imported."""
    probe = (
        "import sys, pancert.cli, httpx; "
        "assert sys.modules['httpx._main'] is None; "
        "assert 'pygments' not in sys.modules and 'click' not in sys.modules, 'imported'; "
        "assert httpx.AsyncClient"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], check=False, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
