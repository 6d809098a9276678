"""The e2e harness's sandbox fixture, for the operations tests that run the real CLI."""

from tests.e2e.conftest import ca_kind, world

__all__ = ["ca_kind", "world"]
