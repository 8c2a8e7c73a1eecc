"""Structured logs: one JSON object per line (ts, level, logger, msg and any ``extra=`` fields) on stderr.

Use ``log.info("batch applied", extra={"tenant_id": 7, "terminal_id": "caja-1", "events": 120})``.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is logged as a field.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime",
                                                                                   "color_message", "taskName"}


class JsonFormatter(logging.Formatter):
    """Formats a record as ``{"ts", "level", "logger", "msg", "pid", ...extra, "exc"?}`` on one line.

    ``pid`` tells apart the processes of ``almacen server --workers N``, which write to the same log.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


_HANDLER_NAME = "almacen-json"


def configure(level: str | int = "INFO", stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record (root logger, uvicorn's included) as JSON lines to ``stream`` (default stderr).

    Calling it again replaces the handler it installed before; other handlers are left alone.

    Returns:
        The installed handler.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name in ("uvicorn", "uvicorn.error"):  # uvicorn.access is left to uvicorn (``access_log=False`` mutes it)
        logging.getLogger(name).handlers.clear()  # uvicorn's own handlers would print a second, plain line
        logging.getLogger(name).propagate = True
    return handler
