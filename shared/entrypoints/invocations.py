"""The invocation every entry point runs in (see shared/observability/invocation.py)."""

from __future__ import annotations

from contextlib import AbstractContextManager

import azure.functions as func

from shared.observability.invocation import invocation
from shared.observability.log_context import InvocationState


def invoked(function: str, context: func.Context | None) -> AbstractContextManager[InvocationState]:
    """One invocation of `function`, under the host's invocation id when there is a
    context (callers without one, such as benchmarks, get a new id)."""
    return invocation(function, None if context is None else context.invocation_id)
