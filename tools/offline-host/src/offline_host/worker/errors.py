"""Errors of the worker pool; each ends in ``Error`` and says what happened to which process."""

from __future__ import annotations

from offline_host.errors import OfflineHostError


class WorkerPoolError(OfflineHostError):
    """The worker processes cannot start, or cannot take an invocation."""


class WorkerExitedError(WorkerPoolError):
    """A worker process ended while requests sent to it were still unanswered."""
