"""Logging: the request id on every record, as text or as one JSON object per line.

Nothing personal or secret goes in: the access line has the method, the path (no query
string), the status and the duration; never headers, cookies, tokens or bodies.
"""

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

from gebiedsregie.settings import Settings

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# Fields of the access line (see middleware.RequestContext), copied into the JSON object.
ACCESS_FIELDS = ("method", "path", "status", "duur_ms")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def current_request_id() -> str | None:
    """Return the id of the request being handled, if any."""
    return _request_id.get()


def set_request_id(request_id: str | None) -> Any:
    """Make `request_id` current; returns a token for `reset_request_id`."""
    return _request_id.set(request_id)


def reset_request_id(token: Any) -> None:
    _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Put `request_id` on every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, request_id."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class _TextFormatter(logging.Formatter):
    """The text format, with the time in ISO 8601, UTC, like the JSON one."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record to `stream` (stderr) in the configured format and level.

    Replaces the handler an earlier call installed, so it can be called again.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name("gebiedsregie")
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter() if settings.log_format == "json" else _TextFormatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "gebiedsregie"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    return handler
