"""Console logging in the spirit of Core Tools: ``[timestamp] message`` on stdout."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime


class _UtcFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        moment = datetime.fromtimestamp(record.created, UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def configure_logging(*, verbose: bool = False) -> None:
    """Send every record, the functions' own included, to stdout, one line each.

    The Azure SDK logs each request at INFO; it is kept at WARNING unless ``verbose``.
    """
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_UtcFormatter("[%(asctime)s] %(message)s"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("azure").setLevel(logging.INFO if verbose else logging.WARNING)
