"""What every entry point wraps one invocation in: the log context, a span, and one
"finished" line with outcome, status and duration.

Entry points run in it through shared/entrypoints/entry_point.py, which adds the HTTP
error mapping; `invoked` takes the host's context as the Functions library gives it, typed
structurally so that nothing here imports that library.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from opentelemetry import trace

from shared.observability.log_context import InvocationState, invocation_state
from shared.observability.setup import configure_observability

logger = logging.getLogger(__name__)
_tracer = trace.get_tracer("postino")

SUCCEEDED = "succeeded"
FAILED = "failed"


class HostContext(Protocol):
    """What is read of the `context` the Functions host passes a function
    (azure.functions.Context)."""

    @property
    def invocation_id(self) -> str: ...


def _outcome(state: InvocationState, raised: bool) -> str:
    # An HTTP answer of 500 and above is a failure even though nothing was raised.
    status = state.status or ""
    return FAILED if raised or (status.isdigit() and int(status) >= 500) else SUCCEEDED


@contextmanager
def invocation(function: str, invocation_id: str | None = None) -> Iterator[InvocationState]:
    """Run one invocation of `function` with its own log fields (the host's invocation id,
    or a new one) and log how it ended. Exceptions pass through, logged as failed."""
    configure_observability()
    started = time.perf_counter()
    with (
        invocation_state(function, invocation_id or uuid.uuid4().hex) as state,
        _tracer.start_as_current_span(
            function, record_exception=False, set_status_on_exception=False
        ) as span,
    ):
        raised = True
        try:
            yield state
            raised = False
        finally:
            outcome = _outcome(state, raised)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            logger.log(
                logging.WARNING if outcome == FAILED else logging.INFO,
                "%s %s (%s) in %s ms",
                function,
                outcome,
                state.status or "-",
                duration_ms,
                extra={"outcome": outcome, "status": state.status, "duration_ms": duration_ms},
            )
            if span.is_recording():
                span.set_attributes(
                    {
                        **{f"postino.{name}": value for name, value in state.fields.items()},
                        "postino.outcome": outcome,
                        "postino.status": state.status or "",
                    }
                )
                if outcome == FAILED:
                    span.set_status(trace.StatusCode.ERROR)


def invoked(function: str, context: HostContext | None) -> AbstractContextManager[InvocationState]:
    """One invocation of `function`, under the host's invocation id when there is a
    context (callers without one, such as benchmarks, get a new id)."""
    return invocation(function, None if context is None else context.invocation_id)
