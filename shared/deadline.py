"""How long the current invocation may still spend on remote calls.

An HTTP request must be answered within a few seconds even when a store is down, so its
entry point opens a time budget, and every remote call made in that context (the adapters'
transport reads it) is cut short at its deadline. A budget opened inside another keeps the
earlier deadline. Outside any budget (queue and timer functions, the CLI) only each call's
own timeouts apply.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("postino_deadline", default=None)


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Let the code run in this block make remote calls for at most `seconds` in all."""
    proposed = time.monotonic() + seconds
    current = _deadline.get()
    token = _deadline.set(proposed if current is None else min(current, proposed))
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left in the current budget (0 or less when spent), None outside a budget."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()
