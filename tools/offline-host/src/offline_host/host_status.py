"""The host's lifecycle state, as ``GET /admin/host/status`` reports it."""

from __future__ import annotations

import enum
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

HOST_VERSION = "offline-1"


class HostState(enum.Enum):
    """The subset of the real host's states that the offline host goes through."""

    STARTING = "Starting"
    RUNNING = "Running"
    STOPPING = "Stopping"


class HostStatus:
    """Current state plus the function load errors, readable from any thread."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self._state = HostState.STARTING
        self._errors = dict(errors)
        self._started = time.monotonic()
        self._id = uuid.uuid4().hex
        self._lock = threading.Lock()

    @property
    def state(self) -> HostState:
        with self._lock:
            return self._state

    def move_to(self, state: HostState) -> None:
        with self._lock:
            self._state = state

    def as_json(self) -> dict[str, Any]:
        """The status document; ``errors`` lists functions that failed to load."""
        with self._lock:
            state = self._state
        document: dict[str, Any] = {
            "id": self._id,
            "state": state.value,
            "version": HOST_VERSION,
            "processUptime": round((time.monotonic() - self._started) * 1000),
        }
        if self._errors:
            document["errors"] = [f"{name}: {error}" for name, error in self._errors.items()]
        return document
