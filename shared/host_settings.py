"""What the code must know of host.json: the queue attempts before the poison queue.

As the Functions host does, an app setting named
AzureFunctionsJobHost__extensions__queues__maxDequeueCount overrides the file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path

HOST_JSON = Path(__file__).resolve().parents[1] / "host.json"
# The Functions host's own default when host.json does not say.
DEFAULT_MAX_DEQUEUE_COUNT = 5


OVERRIDE = "AzureFunctionsJobHost__extensions__queues__maxDequeueCount"


def read_max_dequeue_count(host_json: Path, environ: Mapping[str, str]) -> int:
    """extensions.queues.maxDequeueCount: the attempt after which a message is poisoned."""
    for name, value in environ.items():
        if name.lower() == OVERRIDE.lower():
            return int(value)
    settings = json.loads(host_json.read_text(encoding="utf-8"))
    queues = settings.get("extensions", {}).get("queues", {})
    return int(queues.get("maxDequeueCount", DEFAULT_MAX_DEQUEUE_COUNT))


@cache
def max_dequeue_count() -> int:
    """The app's maxDequeueCount, read once per process."""
    return read_max_dequeue_count(HOST_JSON, os.environ)
