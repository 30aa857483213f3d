"""The phases of a fault run, as they actually happened, and which phase a request was in.

Times are `time.monotonic()` seconds of the run's process. A request belongs to the phase
whose window its own [start, end] overlaps, the most disruptive first: around a kill, then
a Cosmos DB outage, then a queue outage; otherwise normal (which still has the light
per-request faults and connection cuts).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum


class PhaseKind(StrEnum):
    NORMAL = "normal"
    QUEUE_OUTAGE = "queue outage"
    COSMOS_OUTAGE = "cosmos outage"
    KILL = "around kills"


# Which phase wins when a request overlaps several.
PRECEDENCE = (PhaseKind.KILL, PhaseKind.COSMOS_OUTAGE, PhaseKind.QUEUE_OUTAGE)
# Requests this long after a restart still count as "around the kill": the clients'
# connections and the host's caches are being rebuilt.
KILL_TAIL_SECONDS = 5.0


@dataclass(frozen=True)
class Phase:
    kind: PhaseKind
    start: float
    end: float
    note: str = ""


class PhaseLog:
    """Thread-safe record of the phases; an open phase ends at +infinity until closed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._phases: list[Phase] = []

    def begin(self, kind: PhaseKind, at: float, note: str = "") -> int:
        """Open a phase; return its handle for `end`."""
        with self._lock:
            self._phases.append(Phase(kind, at, float("inf"), note))
            return len(self._phases) - 1

    def end(self, handle: int, at: float) -> None:
        with self._lock:
            phase = self._phases[handle]
            self._phases[handle] = Phase(phase.kind, phase.start, at, phase.note)

    def phases(self) -> list[Phase]:
        with self._lock:
            return list(self._phases)


def phase_of(start: float, end: float, phases: list[Phase]) -> PhaseKind:
    """The phase of a request that ran from `start` to `end`."""
    overlapping = {phase.kind for phase in phases if start <= phase.end and end >= phase.start}
    return next((kind for kind in PRECEDENCE if kind in overlapping), PhaseKind.NORMAL)
