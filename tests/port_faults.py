"""Ports that fail the way a network fails, for tests of the use cases' fault handling.

`FaultyPort(port, "add", [LOST, REFUSED])` wraps a port: the first call of `add` is carried
out and then its answer is lost (OutcomeUnknownError), the second is refused before
anything is done (StorageUnavailableError), later calls pass through. `CRASH_BEFORE` and
`CRASH` stop the caller as a killed process would, before or after the call; `PASS` lets a
call through, to fault a later one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from shared.domain.errors import OutcomeUnknownError, StorageUnavailableError


class Fault(StrEnum):
    LOST = "lost"  # carried out, answer lost
    REFUSED = "refused"  # not carried out
    CRASH_BEFORE = "crash_before"  # the process dies before making the call
    CRASH = "crash"  # carried out, then the process dies
    PASS = "pass"  # carried out and answered


LOST, REFUSED = Fault.LOST, Fault.REFUSED
CRASH_BEFORE, CRASH, PASS = Fault.CRASH_BEFORE, Fault.CRASH, Fault.PASS


class SimulatedCrashError(BaseException):
    """The process died here: nothing after this point ran (not an Exception, so no
    `except Exception` of the code under test can swallow it)."""


class FaultyPort:
    def __init__(self, port: Any, method: str, faults: list[Fault]) -> None:
        self._port = port
        self._method = method
        self.faults = list(faults)
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._port, name)
        if name != self._method:
            return real

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            fault = self.faults.pop(0) if self.faults else None
            if fault is Fault.REFUSED:
                raise StorageUnavailableError(f"{name} refused (injected)")
            if fault is Fault.CRASH_BEFORE:
                raise SimulatedCrashError(f"process died before {name}")
            result = real(*args, **kwargs)
            if fault is Fault.LOST:
                raise OutcomeUnknownError(f"{name}: answer lost (injected)")
            if fault is Fault.CRASH:
                raise SimulatedCrashError(f"process died after {name}")
            return result

        return wrapped
