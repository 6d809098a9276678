"""The rotating file log of the guide, console output, and redaction whoever logs."""

from __future__ import annotations

import io
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from pancert import redaction
from pancert.config import AppConfig
from pancert.logs import RedactionFilter, get_logger, setup_logging
from pancert.redaction import redact, register_secret, registered_count


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def app_for(tmp_path: Path, **yaml: object) -> AppConfig:
    data = {"sectigo_scm_url": "https://scm.example.com/", "sectigo_log_path": "logs", **yaml}
    return AppConfig.model_validate(data, context={"base": tmp_path})


def test_log_rotates_at_the_configured_size_keeping_the_configured_count(tmp_path: Path) -> None:
    app = app_for(tmp_path, sectigo_log_size_mb=0.002, sectigo_logger_count=2)
    setup_logging(app, debug=False, console=Console(file=io.StringIO()))
    log = get_logger("rotation")
    for index in range(200):
        log.info("line %d %s", index, "x" * 40)
    names = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert names == ["sectigo_pycert.log", "sectigo_pycert.log.1", "sectigo_pycert.log.2"]
    assert (tmp_path / "logs" / "sectigo_pycert.log").stat().st_size <= 0.002 * 1024 * 1024
    assert "line 199" in (tmp_path / "logs" / "sectigo_pycert.log").read_text()


def test_level_info_leaves_out_debug_and_debug_keeps_it(tmp_path: Path) -> None:
    setup_logging(app_for(tmp_path / "a"), debug=False, console=Console(file=io.StringIO()))
    get_logger("lvl").debug("hidden detail")
    get_logger("lvl").info("main event")
    text = (tmp_path / "a" / "logs" / "sectigo_pycert.log").read_text()
    assert "main event" in text
    assert "hidden detail" not in text
    app = app_for(tmp_path / "b", sectigo_log_level="debug")
    setup_logging(app, debug=False, console=Console(file=io.StringIO()))
    get_logger("lvl").debug("shown detail")
    assert "shown detail" in (tmp_path / "b" / "logs" / "sectigo_pycert.log").read_text()


def test_console_is_concise_unless_debug(tmp_path: Path) -> None:
    out = io.StringIO()
    setup_logging(app_for(tmp_path), debug=False, console=Console(file=out, width=200))
    get_logger("c").info("routine")
    get_logger("c").warning("attention")
    assert "attention" in out.getvalue()
    assert "routine" not in out.getvalue()


def fail(message: str) -> None:
    raise RuntimeError(message)


def test_secrets_are_masked_in_file_and_console_whoever_logs(tmp_path: Path) -> None:
    secret = "bearer-token-born-at-run-time-1234"
    out = io.StringIO()
    setup_logging(app_for(tmp_path), debug=True, console=Console(file=out, width=300))
    register_secret(secret)
    logging.getLogger("httpx").debug("Authorization: Bearer %s", secret)
    logging.getLogger("some.library").warning(f"token in the message {secret}")
    try:
        fail(f"failed with {secret}")
    except RuntimeError:
        logging.getLogger("pancert.any").exception("boom")
    file_text = (tmp_path / "logs" / "sectigo_pycert.log").read_text()
    for text in (file_text, out.getvalue()):
        assert secret not in text
        assert "Bearer ***" in text
        assert "failed with ***" in text
    assert "token in the message ***" in file_text


def test_setup_twice_replaces_handlers_and_works_without_config(tmp_path: Path) -> None:
    setup_logging(None, debug=False)
    setup_logging(app_for(tmp_path), debug=False)
    setup_logging(app_for(tmp_path), debug=False)
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_pancert_handler", False)]
    assert len(ours) == 2
    assert get_logger("x").name == "pancert.x"
    assert get_logger("pancert.y").name == "pancert.y"


def test_a_malformed_log_call_is_still_redacted_and_never_raises() -> None:
    register_secret("secret-in-bad-args-77")
    record = logging.LogRecord(
        "bad", logging.INFO, __file__, 1, "two %s %s", ("secret-in-bad-args-77",), None
    )
    assert RedactionFilter().filter(record)
    assert record.getMessage() == "two %s %s ('***',)"


# -- the redaction registry itself ---------------------------------------------------------


def _fresh(prefix: str) -> str:
    """A value no other test registered (the registry is process-wide)."""
    return f"{prefix}{secrets.token_hex(8)}"


def test_a_registered_secret_is_masked_with_three_stars() -> None:
    value = _fresh("tok-")
    register_secret(value)
    assert redaction.MASK == "***"
    assert redact(f"Authorization: Bearer {value}.") == "Authorization: Bearer ***."
    assert redact(f"{value}{value}") == "******", "every occurrence"


def test_bytes_and_surrounding_whitespace_are_accepted() -> None:
    value = _fresh("b-")
    register_secret(f"  {value}\n".encode())
    assert redact(f"key={value}") == "key=***"


def test_four_characters_are_the_shortest_secret_registered() -> None:
    """Shorter values would mask innocent text; validation refuses them instead."""
    before = registered_count()
    register_secret("zq7")
    register_secret(None)
    assert registered_count() == before
    assert redact("zq7 stays") == "zq7 stays"
    four = "§¤¶‡"  # 4 characters no other output contains (a hex one could mask fingerprints)
    register_secret(four)
    assert registered_count() == before + 1
    assert redact(f"[{four}]") == "[***]"


def test_the_longest_secret_is_masked_first() -> None:
    """A secret that contains another must vanish whole, not leave its tail behind."""
    short = _fresh("s")
    long = f"{short}TAIL{secrets.token_hex(4)}"
    register_secret(short)
    register_secret(long)
    assert redact(f"x {long} y {short} z") == "x *** y *** z"


def test_undecodable_bytes_are_replaced_not_refused() -> None:
    """A secret read from a file may not be UTF-8; it is still registered (and masked)."""
    value = b"\xff\xfe" + _fresh("raw-").encode()
    register_secret(value)
    assert redact(f"x {value.decode('utf-8', 'replace')} y") == "x *** y"
