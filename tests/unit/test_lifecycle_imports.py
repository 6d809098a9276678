"""The lifecycle depends on ports, never on a concrete client: a module under lifecycle/ may
import the clients' value types and errors (``pancert.panos.models``, ``pancert.scm.errors``
…) but not the clients, their factories or the composition root (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LIFECYCLE = Path(__file__).resolve().parents[2] / "src" / "pancert" / "lifecycle"
FORBIDDEN = (
    "pancert.panos.client",
    "pancert.panos",  # the package re-exports PanosClient
    "pancert.scm",  # likewise open_ca and both clients
    "pancert.scm.admin",
    "pancert.scm.enrollment",
    "pancert.scm.factory",
    "pancert.scm.interface",
    "pancert.scm._http",
    "pancert.wiring",
    "pancert.acme",  # the ACME client and its parts
    "pancert.acme.authority",
    "pancert.acme.account",
    "httpx",
)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("path", sorted(LIFECYCLE.glob("*.py")), ids=lambda p: p.name)
def test_lifecycle_module_imports_no_concrete_client(path: Path) -> None:
    bad = sorted(_imports(path) & set(FORBIDDEN))
    assert not bad, f"{path.name} imports {', '.join(bad)}; use pancert.lifecycle.ports"


def test_the_check_sees_imports() -> None:
    assert "pancert.lifecycle.ports.Firewall" in _imports(LIFECYCLE / "firewall.py")
