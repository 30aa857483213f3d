"""The app's metrics, on the OpenTelemetry metrics API.

Names (attributes): messages.accepted, messages.processed (service.id),
messages.rejected (service.id, reason), messages.failed (service.id, reason),
messages.acceptance_latency in ms (service.id), reminders.sent (kind),
messages.poison_queue_depth (a gauge the sweeper sets each run).

Instruments come from the global meter provider: the API's no-op one unless setup.py
configured Application Insights, in which case the same calls are exported. A service id
names an institution's service, not a person; nothing else identifies anyone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import metrics
from opentelemetry.metrics import Meter

SERVICE_ID = "service.id"
METER_NAME = "postino"


class AppMetrics:
    """The instruments, made once on one meter."""

    def __init__(self, meter: Meter) -> None:
        self._accepted = meter.create_counter(
            "messages.accepted", unit="{message}", description="messages accepted"
        )
        self._processed = meter.create_counter(
            "messages.processed", unit="{message}", description="messages delivered"
        )
        self._rejected = meter.create_counter(
            "messages.rejected", unit="{message}", description="messages rejected, by reason"
        )
        self._failed = meter.create_counter(
            "messages.failed", unit="{message}", description="messages that failed, by reason"
        )
        self._latency = meter.create_histogram(
            "messages.acceptance_latency",
            unit="ms",
            description="time to accept a message (CreateMessage, 201 answers)",
        )
        self._reminders = meter.create_counter(
            "reminders.sent", unit="{push}", description="reminder pushes sent, by kind"
        )
        self._events = meter.create_counter(
            "events.dispatched",
            unit="{event}",
            description="attempts at delivering events (pushes, callbacks), by type and outcome",
        )
        self._poison_depth = meter.create_gauge(
            "messages.poison_queue_depth",
            unit="{message}",
            description="approximate number of references in the poison queue",
        )

    def accepted(self, service_id: str, latency_ms: float) -> None:
        self._accepted.add(1, {SERVICE_ID: service_id})
        self._latency.record(latency_ms, {SERVICE_ID: service_id})

    def processed(self, service_id: str) -> None:
        self._processed.add(1, {SERVICE_ID: service_id})

    def rejected(self, service_id: str, reason: str) -> None:
        self._rejected.add(1, {SERVICE_ID: service_id, "reason": str(reason)})

    def failed(self, service_id: str, reason: str) -> None:
        self._failed.add(1, {SERVICE_ID: service_id, "reason": str(reason)})

    def reminder_sent(self, kind: str) -> None:
        self._reminders.add(1, {"kind": str(kind)})

    def event_dispatched(self, service_id: str, event_type: str, outcome: str) -> None:
        attributes = {SERVICE_ID: service_id, "type": str(event_type), "outcome": str(outcome)}
        self._events.add(1, attributes)

    def poison_queue_depth(self, count: int) -> None:
        self._poison_depth.set(count)


_metrics = AppMetrics(metrics.get_meter(METER_NAME))


def app_metrics() -> AppMetrics:
    """The process's instruments (on the global meter provider)."""
    return _metrics


@contextmanager
def recording_on(meter: Meter) -> Iterator[AppMetrics]:
    """Record on `meter` instead while the block runs (tests, with an in-memory reader)."""
    global _metrics  # noqa: PLW0603 - the one set of instruments per process
    previous, _metrics = _metrics, AppMetrics(meter)
    try:
        yield _metrics
    finally:
        _metrics = previous
