"""Logging as the Sectigo agent does it, with secrets masked whoever logs.

The file log is ``sectigo_log_path/sectigo_log_file``, rotated at ``sectigo_log_size_mb`` and
keeping ``sectigo_logger_count`` backups (``.1``, ``.2``, …) — guide, "Configuration file".
The console gets concise lines (warnings and errors; everything with ``--debug``).

One :class:`RedactionFilter` sits on every handler pancert installs on the root logger, so a
secret reaches no log line even when a library (httpx, uvicorn) logs it; it masks the message,
its arguments, exception text and stack text through :func:`pancert.redaction.redact`.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich.logging import RichHandler

from pancert.fileio import open_private, private_folder
from pancert.redaction import redact

if TYPE_CHECKING:
    from rich.console import Console

    from pancert.config.models import AppConfig

__all__ = ["RedactionFilter", "get_logger", "log_internal_error", "setup_logging"]

_FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_MARK = "_pancert_handler"
"""Attribute set on handlers pancert installed, so a second setup replaces them."""


class RedactionFilter(logging.Filter):
    """Rewrites each record with every registered secret masked; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # bad %-args: let the handler report it as usual
            message = f"{record.msg} {record.args}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Log files are 0600 whatever the umask (they name hosts, orders and admins), and never
    written through a symbolic link."""

    _size = 0

    def _open(self) -> io.TextIOWrapper:
        fd = open_private(Path(self.baseFilename), "log file")
        self._size = os.fstat(fd).st_size
        return io.TextIOWrapper(
            io.FileIO(fd, "a"), encoding=self.encoding or "utf-8", errors=self.errors
        )

    def emit(self, record: logging.LogRecord) -> None:
        """The standard handler formats every record twice and stats the path twice to
        decide on a rollover (CPython's Lib/logging/handlers.py); at a few records per
        certificate that was a visible share of a fleet run. Here the size is counted as
        written; ``open_private`` already refused anything but a regular file."""
        try:
            line = self.format(record) + self.terminator
            size = len(line.encode(self.encoding or "utf-8", self.errors or "strict"))
            if self.stream is None:
                self.stream = self._open()
            if self.maxBytes > 0 and self._size and self._size + size >= self.maxBytes:
                self.doRollover()  # reopens the stream (and resets the size) unless delay
            if self.stream is None:
                self.stream = self._open()
            self.stream.write(line)
            self.stream.flush()
            self._size += size
        except RecursionError:
            raise
        except Exception:  # logging must not fail the run: Handler.handleError reports it
            self.handleError(record)


def _console_handler(console: Console | None) -> logging.Handler:
    if console is None:
        handler: logging.Handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("pancert: %(levelname)s: %(message)s"))
        return handler
    return RichHandler(
        console=console,
        show_time=False,
        show_path=False,
        markup=False,
        rich_tracebacks=False,
    )


def setup_logging(app: AppConfig | None, *, debug: bool, console: Console | None = None) -> None:
    """Install pancert's handlers on the root logger (replacing earlier ones).

    ``app`` None (config not loaded yet) sets up the console only. The file level is
    ``sectigo_log_level`` (DEBUG with ``--debug``); the console shows warnings and errors, and
    everything with ``--debug``.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(handler)
        handler.close()
    redaction = RedactionFilter()
    handlers: list[logging.Handler] = []
    console_handler = _console_handler(console)
    console_handler.setLevel(logging.DEBUG if debug else logging.WARNING)
    handlers.append(console_handler)
    file_level = logging.DEBUG if debug else logging.WARNING
    if app is not None:
        file_level = logging.DEBUG if debug or app.log_level == "DEBUG" else logging.INFO
        private_folder(app.log_path, "log folder")
        file_handler = _PrivateRotatingFileHandler(
            app.log_file_path,
            maxBytes=max(1, int(app.log_size_mb * 1024 * 1024)),
            backupCount=app.logger_count,
            encoding="utf-8",
        )
        file_handler.setFormatter(logging.Formatter(_FILE_FORMAT))
        file_handler.setLevel(file_level)
        handlers.append(file_handler)
    for handler in handlers:
        handler.addFilter(redaction)
        setattr(handler, _MARK, True)
        root.addHandler(handler)
    root.setLevel(min(file_level, console_handler.level))
    # Libraries log request URLs at INFO; only a debug run wants them.
    for noisy in ("httpx", "httpcore", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if debug else logging.WARNING)


def get_logger(name: str) -> logging.Logger:
    """A logger under ``pancert.`` (``get_logger(__name__)`` in pancert's modules)."""
    return logging.getLogger(name if name.startswith("pancert") else f"pancert.{name}")


def log_internal_error(logger: logging.Logger, message: str, exc: BaseException) -> None:
    """Write ``message`` with the traceback of ``exc`` to pancert's log files only: the
    console shows a traceback only with ``--debug`` (whoever prints the one-line error)."""
    record = logger.makeRecord(
        logger.name, logging.ERROR, __file__, 0, message, (), (type(exc), exc, exc.__traceback__)
    )
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler) and getattr(handler, _MARK, False):
            handler.handle(record)
