"""Child processes: the sandbox fleet (driven over a pipe) and measured runs of the agent.

A measured child is reaped with ``os.wait4``, which returns that one child's own resource
usage: user + system CPU and its peak resident set (``ru_maxrss``, KiB on Linux). Unlike
``RUSAGE_CHILDREN`` it is not polluted by earlier children or by the fleet process.

While it runs, ``/proc/PID/schedstat`` is sampled (Linux) for the time the child spent
runnable but waiting for a CPU: on a shared or small machine that, not pancert, can be
where the wall time goes, and the figure says so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Measured:
    code: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    output: Path
    cpu_wait_s: float = 0.0
    """Time runnable but waiting for a CPU (main thread, from schedstat; 0 if unknown)."""
    load_at_start: tuple[float, float, float] = (0.0, 0.0, 0.0)


def _cpu_wait(pid: int, done: threading.Event, last: list[float]) -> None:
    path = Path(f"/proc/{pid}/schedstat")
    while not done.wait(0.1):
        try:
            last[0] = int(path.read_text().split()[1]) / 1e9
        except (OSError, ValueError, IndexError):
            return


def measure(command: list[str], output: Path, env: dict[str, str] | None = None) -> Measured:
    """Run ``command`` to completion with stdout+stderr in ``output``; wall, CPU, peak RSS."""
    output.parent.mkdir(parents=True, exist_ok=True)
    load = load_average()
    with output.open("w") as sink:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        done, waited = threading.Event(), [0.0]
        sampler = threading.Thread(target=_cpu_wait, args=(child.pid, done, waited), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    return Measured(
        code=child.returncode,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024,
        output=output,
        cpu_wait_s=waited[0],
        load_at_start=load,
    )


def load_average() -> tuple[float, float, float]:
    """1, 5 and 15 minute load averages (zeros where the platform has none)."""
    try:
        return os.getloadavg()
    except OSError:
        return (0.0, 0.0, 0.0)


def agent_env() -> dict[str, str]:
    env = dict(os.environ, PANCERT_ACCEPT_EULA="yes")
    env.pop("sectigo_pycert_config", None)
    return env


def agent_command(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "pancert", "--config", str(config), *args]


class Fleet:
    """``python -m bench.fleet`` as a context manager; ``counts()`` asks for its counters."""

    def __init__(
        self,
        folder: Path,
        *,
        preset: str,
        time_scale: float,
        firewalls: int,
        per_firewall: int,
        rotations: int = 2,
        extra_keys: int = 0,
    ) -> None:
        self.command = [
            sys.executable,
            "-m",
            "bench.fleet",
            "--dir",
            str(folder),
            "--preset",
            preset,
            "--time-scale",
            repr(time_scale),
            "--firewalls",
            str(firewalls),
            "--certs-per-firewall",
            str(per_firewall),
            "--rotations",
            str(rotations),
            "--extra-keys",
            str(extra_keys),
        ]
        self.folder = folder
        self._child: subprocess.Popen[str] | None = None
        self.config = Path()

    def __enter__(self) -> Fleet:
        self._child = subprocess.Popen(
            self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        ready = self._read()
        if not ready.get("ready"):
            raise RuntimeError(f"the sandbox fleet did not start: {ready}")
        self.config = Path(ready["config"])
        return self

    def _read(self) -> dict[str, Any]:
        assert self._child is not None
        assert self._child.stdout is not None
        line = self._child.stdout.readline()
        if not line:
            code = self._child.wait()
            raise RuntimeError(f"the sandbox fleet exited with code {code}")
        data = json.loads(line)
        assert isinstance(data, dict)
        return data

    def _send(self, command: str) -> None:
        assert self._child is not None
        assert self._child.stdin is not None
        self._child.stdin.write(command + "\n")
        self._child.stdin.flush()

    def counts(self) -> dict[str, Any]:
        self._send("counts")
        return self._read()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._child is None:
            return
        try:
            self._send("quit")
            self._child.wait(30)
        except (OSError, subprocess.TimeoutExpired):
            self._child.kill()
            self._child.wait()
