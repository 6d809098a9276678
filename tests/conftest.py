"""Fixtures shared by every test package: the sandbox CA and loopback HTTPS servers."""

from __future__ import annotations

from pathlib import Path

import pytest

from pancert.sandbox.ca import SandboxCA

DATA = Path(__file__).resolve().parent / "data"
"""Third-party test data kept in the repository; provenance and licences in data/README.md."""


@pytest.fixture(scope="session")
def sandbox_ca() -> SandboxCA:
    return SandboxCA.create()


@pytest.fixture(scope="session")
def ca_bundle(sandbox_ca: SandboxCA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sandbox_ca.write_bundle(tmp_path_factory.mktemp("ca") / "sandbox-ca.pem")


@pytest.fixture
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A working directory and environment that no user's config can leak into."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("sectigo_pycert_config", raising=False)
    monkeypatch.delenv("PANCERT_ACCEPT_EULA", raising=False)
    return tmp_path
