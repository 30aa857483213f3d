"""Timer triggers: runOnStartup, firing on the schedule, the schedule's time zone."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from datetime import UTC, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from offline_host.errors import HostConfigError
from offline_host.function_config import FunctionConfig, parse_function_config
from offline_host.host_config import MessageEncoding
from offline_host.invoker import Invoker
from offline_host.queue_clients import QueueClients
from offline_host.queue_output import QueueOutputSender
from offline_host.timer_scheduler import TimerScheduler, schedule_time_zone
from offline_host.worker.protocol import pb
from offline_host_tests.fake_workers import FakeWorkers


class Firings(FakeWorkers):
    """Workers whose timer function counts its invocations and notes IsPastDue."""

    def __init__(self) -> None:
        super().__init__()
        self.past_due: list[bool] = []
        self.fired = threading.Semaphore(0)

    def invoke(self, request: pb.InvocationRequest) -> Future[pb.InvocationResponse]:
        self.past_due.append(json.loads(request.input_data[0].data.json)["IsPastDue"])
        self.fired.release()
        return super().invoke(request)


@pytest.fixture
def firings() -> Firings:
    return Firings()


@pytest.fixture
def invoker(firings: Firings) -> Iterator[Invoker]:
    sender = QueueOutputSender(QueueClients(), MessageEncoding.BASE64)
    invoker = Invoker(target=firings, output_sender=sender, function_timeout=timedelta(seconds=30))
    yield invoker
    invoker.close()


def timer_function(schedule: str, *, run_on_startup: bool) -> FunctionConfig:
    binding = {
        "type": "timerTrigger",
        "direction": "in",
        "name": "timer",
        "schedule": schedule,
        "runOnStartup": run_on_startup,
    }
    return parse_function_config("Tick", Path("/app/Tick"), {"bindings": [binding]}, {})


def test_run_on_startup_fires_at_once_even_with_a_distant_schedule(
    invoker: Invoker, firings: Firings
) -> None:
    # GIVEN a yearly schedule with runOnStartup
    scheduler = TimerScheduler(timer_function("0 0 0 1 1 *", run_on_startup=True), UTC, invoker)
    # WHEN the scheduler starts THEN the function runs once right away, not past due
    scheduler.start()
    try:
        assert firings.fired.acquire(timeout=5)
        assert firings.past_due == [False]
    finally:
        scheduler.stop(1)


def test_schedule_every_second_fires_repeatedly(invoker: Invoker, firings: Firings) -> None:
    scheduler = TimerScheduler(timer_function("* * * * * *", run_on_startup=False), UTC, invoker)
    scheduler.start()
    try:
        assert firings.fired.acquire(timeout=3)
        assert firings.fired.acquire(timeout=3)
    finally:
        scheduler.stop(1)


def test_without_run_on_startup_nothing_fires_before_the_schedule(
    invoker: Invoker, firings: Firings
) -> None:
    scheduler = TimerScheduler(timer_function("0 0 0 1 1 *", run_on_startup=False), UTC, invoker)
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
