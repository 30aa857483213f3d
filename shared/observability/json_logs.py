"""One JSON object per log line: when, how bad, where from, the invocation's ids, the text.

The text is the record's own message (`%s` arguments applied); the ids come from
log_context; a "finished" line adds outcome, status and duration_ms. Newlines inside a
message or a traceback are escaped by JSON, so a record is always exactly one line.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from shared.observability.log_context import CONTEXT_FIELDS

# Extra attributes the "finished" line sets (logger.info(..., extra={...})).
RESULT_FIELDS = ("outcome", "status", "duration_ms")


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # arguments that do not fit the format: keep the template only
        return f"{record.msg!s} [unformattable arguments]"


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: timestamp, level, logger, message, the
    invocation's ids, the result fields when present, and the exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": _message(record),
        }
        for name in (*CONTEXT_FIELDS, *RESULT_FIELDS):
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str)
