"""Record each attempt, then fail, so the message ends in the poison queue."""

from __future__ import annotations

import azure.functions as func

# mypy runs from the repository root, where the sample app's top-level packages are not
# importable; the host puts the app root first on sys.path at run time.
from sample_shared.blob_records import record  # type: ignore[import-not-found]


def main(msg: func.QueueMessage) -> None:
    record(f"attempts/{msg.id}/{msg.dequeue_count}", {"dequeue_count": msg.dequeue_count})
    raise RuntimeError("this function always fails")
