"""Timer triggers: run a function at each occurrence of its NCRONTAB schedule.

Occurrences are computed in UTC, or in the IANA time zone named by ``WEBSITE_TIME_ZONE``.
As in the real host, invocations of one timer never overlap: the next occurrence is the
first one after the previous invocation ended, so occurrences missed meanwhile are skipped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from concurrent.futures import CancelledError
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import HostConfigError
from .function_config import FunctionConfig, TimerTrigger
from .invoker import Invoker, TimerFiring

logger = logging.getLogger(__name__)

TIME_ZONE_SETTING = "WEBSITE_TIME_ZONE"
_LONGEST_SLEEP_SECONDS = 30.0


def schedule_time_zone(environ: Mapping[str, str]) -> tzinfo:
    """The zone schedules are read in; raises HostConfigError for an unknown zone name."""
    name = environ.get(TIME_ZONE_SETTING, "").strip()
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise HostConfigError(
            f"{TIME_ZONE_SETTING}='{name}' is not an IANA time zone (e.g. Europe/Rome)"
        ) from error


class TimerScheduler:
    """Runs one timer-triggered function on its own thread."""

    def __init__(self, function: FunctionConfig, zone: tzinfo, invoker: Invoker) -> None:
        trigger = function.trigger
        if not isinstance(trigger, TimerTrigger):
            raise TypeError(f"{function.name} is not timer-triggered")
        self._function = function
        self._trigger = trigger
        self._zone = zone
        self._invoker = invoker
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"timer-{function.name}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float) -> None:
        """Stop scheduling; an invocation already running is left to finish."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def next_occurrence(self, after: datetime) -> datetime | None:
        return self._trigger.schedule.next_after(after, self._zone)

    def _run(self) -> None:
        if self._trigger.run_on_startup:
            self._invoke(f"Timer fired at {_stamp(datetime.now(UTC))} (run on startup)")
        while not self._stopping.is_set():
            due = self.next_occurrence(datetime.now(UTC))
            if due is None:
                logger.warning(
                    "The schedule '%s' of 'Functions.%s' has no future occurrence",
                    self._trigger.schedule.expression,
                    self._function.name,
                )
                return
            if not self._sleep_until(due):
                return
            self._invoke(f"Timer fired at {_stamp(datetime.now(UTC))}")

    def _sleep_until(self, due: datetime) -> bool:
        # Short sleeps re-read the wall clock, so a clock change cannot make us oversleep.
        while (remaining := (due - datetime.now(UTC)).total_seconds()) > 0:
            if self._stopping.wait(min(remaining, _LONGEST_SLEEP_SECONDS)):
                return False
        return True

    def _invoke(self, reason: str) -> None:
        try:
            future = self._invoker.submit(self._function, TimerFiring(past_due=False), reason)
        except RuntimeError:
            return  # the host is stopping
        try:
            future.result()
        except CancelledError:
            return  # the host stopped before a thread was free for it


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
