"""Record each firing of the timer."""

from __future__ import annotations

import azure.functions as func

# See AlwaysFails: the host puts the app root on sys.path, mypy cannot know that.
from sample_shared.blob_records import record  # type: ignore[import-not-found]


def main(timer: func.TimerRequest, context: func.Context) -> None:
    record(f"ticks/{context.invocation_id}", {"past_due": timer.past_due})
