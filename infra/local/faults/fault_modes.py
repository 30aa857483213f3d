"""The faults the proxy injects, and the plan that picks one for each request.

A plan decides from, in order: the faults armed for the next requests, then the standing
fault with its probability, drawn from a seeded random generator so that a run can be
repeated. Only faults that are not certain draw a number, so the sequence of draws
depends on the requests alone.
"""

from __future__ import annotations

import random
from collections import Counter, deque
from enum import StrEnum


class Fault(StrEnum):
    """What the proxy does to a request (see `FaultProxy` for the details of each)."""

    PASS = "pass"  # noqa: S105 (a fault, not a password)
    RESET_BEFORE = "reset_before"
    RESET_AFTER = "reset_after"
    STALL = "stall"
    REFUSE = "refuse"


# Faults of the whole proxy for a while, never of one request.
OUTAGE_FAULTS = frozenset({Fault.STALL, Fault.REFUSE})

STAT_CONNECTIONS = "connections"
STAT_REQUESTS = "requests"
STAT_HANDSHAKES = "handshakes"


class FaultPlan:
    """The standing fault, the armed faults, and the counts of what was decided.

    Not thread-safe: the proxy uses it from its event loop only.
    """

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)  # noqa: S311 (faults, not secrets)
        self._armed: deque[Fault] = deque()
        self.standing = Fault.PASS
        self.probability = 1.0
        self.counts: Counter[str] = Counter()

    def set_standing(self, fault: Fault, probability: float) -> None:
        """Apply `fault` to each new request with `probability`; PASS clears, the armed
        faults too.

        Raises ValueError for a probability outside [0, 1], or REFUSE with one below 1
        (a refused listener refuses everyone).
        """
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"probability must be within [0, 1], not {probability}")
        if fault is Fault.REFUSE and probability < 1.0:
            raise ValueError("REFUSE closes the listener for everyone: probability must be 1")
        self.standing, self.probability = Fault(fault), probability
        if fault is Fault.PASS:
            self._armed.clear()

    def arm(self, fault: Fault, times: int) -> None:
        """The next `times` requests get `fault`, after any faults armed before.

        Raises ValueError for times below 1, or REFUSE (it is not a fault of one request).
        """
        if times < 1:
            raise ValueError(f"times must be at least 1, not {times}")
        if fault is Fault.REFUSE:
            raise ValueError("REFUSE is not a fault of one request: use set_fault or outage")
        self._armed.extend([Fault(fault)] * times)

    def for_request(self) -> Fault:
        """The fault of a new request, counted."""
        fault = self._armed.popleft() if self._armed else self._standing_draw()
        self.counts[STAT_REQUESTS] += 1
        self.counts[fault] += 1
        return fault

    def for_handshake(self) -> Fault:
        """The fault of a TLS handshake leg, counted: only a standing STALL holds one (a
        stalled server finishes no handshake); a reset of a handshake would be a failed
        connection, not the fault of a request that the names promise."""
        self.counts[STAT_HANDSHAKES] += 1
        if self.standing is not Fault.STALL or self._standing_draw() is Fault.PASS:
            return Fault.PASS
        self.counts[Fault.STALL] += 1
        return Fault.STALL

    def stats(self) -> dict[str, int]:
        names = [STAT_CONNECTIONS, STAT_REQUESTS, STAT_HANDSHAKES, *Fault]
        return {str(name): self.counts[name] for name in names}

    def _standing_draw(self) -> Fault:
        if self.standing is Fault.PASS or self.probability <= 0.0:
            return Fault.PASS
        if self.probability >= 1.0 or self._random.random() < self.probability:
            return self.standing
        return Fault.PASS
