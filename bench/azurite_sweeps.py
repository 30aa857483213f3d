"""Keep Azurite's storage sweeps out of timed phases.

Azurite's queue service sweeps its in-memory storage for deleted messages 60 s after its
previous sweep ended. After a few thousand messages a sweep holds Azurite's only thread
(and a core) for seconds, stalling every queue call, and the phase it lands in pays for
the garbage of the phases before it: a minute-long pipeline phase would nearly always pay
for the floor's. Starting each timed phase right after a sweep leaves it a minute clear.
"""

from __future__ import annotations

import time

from bench.cpu_usage import role_cpu_seconds

AZURITE = "azurite"
SWEEP_INTERVAL_SECONDS = 60.0
WINDOW_SECONDS = 0.2
# A tenth of a core over a window: far above Azurite's idle use, well below a sweep's.
BUSY_CPU_SECONDS = 0.02
# The traffic of the phase before (the host's last deletes) must have ended first.
QUIET_WINDOWS_FIRST = 5
MAX_WAIT_SECONDS = SWEEP_INTERVAL_SECONDS + 20.0


def wait_for_sweep(max_wait: float = MAX_WAIT_SECONDS) -> float | None:
    """Block until Azurite ends its next sweep (or the one running now).

    Returns the seconds waited, or None when no sweep was seen within `max_wait` (then
    there was too little to sweep for it to show, and little for a phase to pay either).
    """
    began = time.monotonic()
    last = role_cpu_seconds(AZURITE)
    quiet, busy = 0, False
    while time.monotonic() - began < max_wait:
        time.sleep(WINDOW_SECONDS)
        current = role_cpu_seconds(AZURITE)
        used, last = current - last, current
        if used < BUSY_CPU_SECONDS:
            quiet += 1
            if busy:
                return round(time.monotonic() - began, 1)
        elif quiet >= QUIET_WINDOWS_FIRST:
            busy = True
        else:
            quiet = 0
    return None
