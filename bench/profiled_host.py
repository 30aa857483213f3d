"""The offline host with every thread under cProfile, for finding where a request's time goes.

    BENCH_HOST_PROFILE_OUT=host.prof python -m bench.profiled_host --app-root . --port 7071

Takes the offline host's arguments. cProfile follows only the thread that enables it and
the host works on many threads (one per connection, a function pool, queue pollers), so
each thread gets a profiler of its own; when the host stops they are merged into one
pstats file. Times are wall-clock per call (waiting on Cosmos or on the GIL included),
and the profiler itself slows Python code down: compare shares, not absolute speeds.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import threading
from pathlib import Path
from typing import Any, NoReturn

from bench.pipeline_stack import PROFILE_OUT_VARIABLE
from offline_host.__main__ import main as host_main

_profiles: list[cProfile.Profile] = []
_registry = threading.Lock()
_original_run = threading.Thread.run


def _profiled_run(self: threading.Thread) -> None:
    profile = cProfile.Profile()
    with _registry:
        _profiles.append(profile)
    profile.enable()
    try:
        _original_run(self)
    finally:
        profile.disable()


def _dump(out: Path) -> None:
    with _registry:
        profiles = list(_profiles)
    # Threads still alive (the function pool, idle connections) are stopped mid-call;
    # their open calls are counted up to this moment.
    stats = pstats.Stats(*profiles) if profiles else None
    if stats is not None:
        stats.dump_stats(out)


def main(argv: list[str] | None = None) -> int:
    out = Path(os.environ[PROFILE_OUT_VARIABLE])
    threading.Thread.run = _profiled_run  # type: ignore[method-assign]
    hard_exit = os._exit

    def dump_then_exit(status: int) -> NoReturn:
        # The host exits this way when invocations outlive its drain; keep the profile.
        _dump(out)
        hard_exit(status)

    os._exit = dump_then_exit
    code: Any = 1
    try:
        code = host_main(argv)
    finally:
        _dump(out)
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
