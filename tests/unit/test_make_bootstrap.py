"""`make` on a machine without uv: where Python cannot make a virtual environment (Debian's
python3 without the python3-venv package has no ensurepip), one line says what to install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_a_python_without_venv_gets_one_line_naming_the_package(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    for tool in ("make", "bash", "rm"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    # Shadow ensurepip as Debian does when python3-venv is not installed.
    shadow = tmp_path / "shadow" / "ensurepip"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('ensurepip is not installed')\n")
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "PATH": str(bin_dir), "PYTHONPATH": str(shadow.parent)}
    target = home / ".cache" / "pancert" / "uv-venv" / "bin" / "uv"
    done = subprocess.run(
        ["make", "-C", str(REPO), "--no-print-directory", str(target)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if not line.startswith("make: ***")]
    assert len(lines) == 1, done.stderr
    assert "apt-get install python3-venv" in lines[0]
    assert not (home / ".cache" / "pancert" / "uv-venv").exists()
    assert os.listdir(home) == []
