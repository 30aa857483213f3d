"""Timer triggers: runOnStartup, firing on the schedule, the schedule's time zone."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import azure.functions as func
import pytest

from infra.local.offline_host.errors import HostConfigError
from infra.local.offline_host.function_config import parse_function_config
from infra.local.offline_host.function_loader import LoadedFunction
from infra.local.offline_host.host_config import MessageEncoding
from infra.local.offline_host.invoker import Invoker
from infra.local.offline_host.parameter_binding import plan_parameters
from infra.local.offline_host.queue_clients import QueueClients
from infra.local.offline_host.queue_output import QueueOutputSender
from infra.local.offline_host.timer_scheduler import TimerScheduler, schedule_time_zone


class Firings:
    """The entry point of a timer function that counts its invocations."""

    def __init__(self) -> None:
        self.past_due: list[bool] = []
        self.fired = threading.Semaphore(0)

    def __call__(self, timer: func.TimerRequest) -> None:
        self.past_due.append(timer.past_due)
        self.fired.release()


@pytest.fixture
def invoker() -> Iterator[Invoker]:
    sender = QueueOutputSender(QueueClients(), MessageEncoding.BASE64)
    invoker = Invoker(threads=2, output_sender=sender, function_timeout=timedelta(seconds=30))
    yield invoker
    invoker.close()


def timer_function(entry: Firings, schedule: str, *, run_on_startup: bool) -> LoadedFunction:
    binding = {
        "type": "timerTrigger",
        "direction": "in",
        "name": "timer",
        "schedule": schedule,
        "runOnStartup": run_on_startup,
    }
    config = parse_function_config("Tick", Path("/app/Tick"), {"bindings": [binding]}, {})
    return LoadedFunction(config, entry, False, plan_parameters(config, entry))


def test_run_on_startup_fires_at_once_even_with_a_distant_schedule(invoker: Invoker) -> None:
    # GIVEN a yearly schedule with runOnStartup
    firings = Firings()
    scheduler = TimerScheduler(
        timer_function(firings, "0 0 0 1 1 *", run_on_startup=True), UTC, invoker
    )
    # WHEN the scheduler starts THEN the function runs once right away, not past due
    scheduler.start()
    try:
        assert firings.fired.acquire(timeout=5)
        assert firings.past_due == [False]
    finally:
        scheduler.stop(1)


def test_schedule_every_second_fires_repeatedly(invoker: Invoker) -> None:
    firings = Firings()
    scheduler = TimerScheduler(
        timer_function(firings, "* * * * * *", run_on_startup=False), UTC, invoker
    )
    scheduler.start()
    try:
        assert firings.fired.acquire(timeout=3)
        assert firings.fired.acquire(timeout=3)
    finally:
        scheduler.stop(1)


def test_without_run_on_startup_nothing_fires_before_the_schedule(invoker: Invoker) -> None:
    firings = Firings()
    scheduler = TimerScheduler(
        timer_function(firings, "0 0 0 1 1 *", run_on_startup=False), UTC, invoker
    )
    scheduler.start()
    try:
        assert not firings.fired.acquire(timeout=0.3)
    finally:
        scheduler.stop(1)


def test_schedule_time_zone_comes_from_website_time_zone() -> None:
    assert schedule_time_zone({}) is UTC
    assert schedule_time_zone({"WEBSITE_TIME_ZONE": "Europe/Rome"}) == ZoneInfo("Europe/Rome")
    with pytest.raises(HostConfigError, match="not an IANA time zone"):
        schedule_time_zone({"WEBSITE_TIME_ZONE": "W. Europe Standard Time"})
