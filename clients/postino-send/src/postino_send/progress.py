"""A one-line progress bar with rate and ETA, redrawn in place on a terminal."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

WIDTH = 30


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_line(done: int, total: int, elapsed: float) -> str:
    """`done` of `total` rows after `elapsed` seconds, as the bar shows it."""
    fraction = done / total if total else 1.0
    filled = int(WIDTH * fraction)
    bar = "#" * filled + "-" * (WIDTH - filled)
    rate = done / elapsed if elapsed > 0 else 0.0
    eta = _duration((total - done) / rate) if rate > 0 else "?"
    return f"[{bar}] {done}/{total} {fraction:4.0%}  {rate:.1f} rows/s  ETA {eta}"


class ProgressBar:
    """Draws on `stream` when `enabled` (a terminal), at most every `interval` seconds."""

    def __init__(
        self,
        total: int,
        stream: TextIO,
        *,
        enabled: bool,
        clock: Callable[[], float] = time.monotonic,
        interval: float = 0.2,
    ) -> None:
        self._total = total
        self._stream = stream
        self._enabled = enabled
        self._clock = clock
        self._interval = interval
        self._start = clock()
        self._drawn_at: float | None = None
        self._drawn_width = 0

    def update(self, done: int, *, force: bool = False) -> None:
        now = self._clock()
        if not self._enabled:
            return
        if not force and self._drawn_at is not None and now - self._drawn_at < self._interval:
            return
        self._drawn_at = now
        line = progress_line(done, self._total, now - self._start)
        # Spaces over whatever a longer line left behind (`ETA 0:21` after `ETA 0:216`);
        # unlike an ANSI erase, they clear any terminal.
        self._stream.write("\r" + line.ljust(self._drawn_width))
        self._drawn_width = len(line)
        self._stream.flush()

    def close(self, done: int) -> None:
        if self._enabled:
            self.update(done, force=True)
            self._stream.write("\n")
            self._stream.flush()
