"""The floor of a reminder run: the storage calls and pushes one fanned-out run makes, made
with the SDK used plainly (bench.bare_sdk) from `floor_threads` threads, on the same
emulators, in the same run.

Per due reminder, in the order the run makes them: a point read of the message and of the
profile (the real documents), a create of the slot's claim, a create of the citizen's day
counter (the day's first push, counted for the run), a queue send of the push's JSON, an
upsert settling the claim, a replace of the message (the reminder counted on it), an upsert
of the sender's index entry, and two patches of schedule buckets (the entry set in its next
hour's bucket, nulled in its own). Per partition: a point read of its bucket and two patches
(its lease set and lifted). Per run: one query of the buckets and one read of the service.
Claims, counters, index entries and buckets are scratch documents of the same containers
(ids starting `floor-`), so the run's own state is untouched; the message's replace writes
it back as it was read.

The run's calls, counted by method, are compared with the floor's: `calls_match` says the
floor made the same calls (any method apart by more than 2% is listed in `mismatches`)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import ResourceExistsError
from azure.cosmos import ContainerProxy

from bench.bare_sdk import bare_database, bare_queue
from bench.reminder_scenario import DUE_HOUR, Scenario
from bench.storage_call_counts import counting_calls
from shared.domain.message import Message
from shared.storage_layout import ContainerName

# The timer's query, as the schedule's adapter makes it.
_OPEN_BUCKETS = (
    "SELECT c.id, c.hour, c.queued_until FROM c WHERE c.hour <= @up_to"
    " AND (NOT IS_DEFINED(c.drained) OR c.drained = false)"
)
_TOLERANCE = 0.02
# Calls made a few times a run may differ by this many: the service is read through the
# directory's cache once per run in the floor, and by each thread that finds the cache empty
# at the same moment in the run.
_SLACK = 8
_BUCKET_ENTRY = {
    "message_id": "01JA0000000000000000000000",
    "fiscal_code": "RSSMRA80A01H501U",
    "at": "2026-03-13T10:15:00+00:00",
    "done": ["UNREAD:1"],
}
# An index entry as the service's index stores one (some 264 bytes).
_INDEX_ENTRY = {
    "service_id": "floor",
    "status": "PROCESSED",
    "created_at": "2026-03-07T10:15:00+00:00",
    "reference": None,
    "read": False,
    "pushes": 1,
    "notice": None,
    "expires_at": 1_900_000_000,
}


@dataclass(frozen=True)
class _Clients:
    """One thread's clients (no connection pool shared between threads, as the run's
    threads share none of the floor's)."""

    messages: ContainerProxy
    profiles: ContainerProxy
    claims: ContainerProxy
    counters: ContainerProxy
    index: ContainerProxy
    schedule: ContainerProxy
    services: ContainerProxy
    push_queue: Any


def _clients(scenario: Scenario) -> _Clients:
    settings = scenario.stack.settings
    database = bare_database(settings)
    return _Clients(
        messages=database.get_container_client(ContainerName.MESSAGES),
        profiles=database.get_container_client(ContainerName.PROFILES),
        claims=database.get_container_client(scenario.claims_container.id),
        counters=database.get_container_client(ContainerName.RATE_LIMITS),
        index=database.get_container_client(ContainerName.SERVICE_MESSAGES),
        schedule=database.get_container_client(scenario.schedule_container),
        services=database.get_container_client(ContainerName.SERVICES),
        push_queue=bare_queue(settings, _floor_queue(scenario)),
    )


def _floor_queue(scenario: Scenario) -> str:
    """The floor's pushes go to a queue of their own (the run's holds exactly its own)."""
    return f"{scenario.push_queue}-floor"


class _ThreadClients:
    def __init__(self, scenario: Scenario) -> None:
        self._scenario = scenario
        self._local = threading.local()

    def get(self) -> _Clients:
        clients: _Clients | None = getattr(self._local, "clients", None)
        if clients is None:
            clients = _clients(self._scenario)
            self._local.clients = clients
        return clients


def _reminder(clients: _Clients, message: Message, bucket: str, tag: str) -> None:
    document = clients.messages.read_item(message.id, partition_key=message.fiscal_code)
    clients.profiles.read_item(message.fiscal_code, partition_key=message.fiscal_code)
    claim = {"id": f"floor-{tag}-{message.id}:UNREAD:1", "state": "CLAIMED", "attempts": 1}
    clients.claims.create_item(claim)
    day_key = f"floor-{tag}-day-{message.id}"
    clients.counters.create_item({"id": day_key, "count": 1, "tokens": [tag], "ttl": 60})
    clients.push_queue.send_message(
        json.dumps({"tag": f"citizen_{message.id}", "kind": "UNREAD", "message_id": message.id})
    )
    clients.claims.upsert_item({**claim, "state": "SENT"})
    clients.messages.replace_item(message.id, _without_system_fields(document))
    index_id = f"floor-{tag}-{message.id}"
    clients.index.upsert_item({"id": index_id, "message_id": message.id, **_INDEX_ENTRY})
    entry = {**_BUCKET_ENTRY, "message_id": message.id}
    for value in (entry, None):
        clients.schedule.patch_item(
            bucket,
            partition_key=bucket,
            patch_operations=[{"op": "set", "path": f"/entries/{message.id}", "value": value}],
        )


def _without_system_fields(document: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in document.items() if not name.startswith("_")}


def _partition(clients: _Clients, bucket: str) -> None:
    clients.schedule.read_item(bucket, partition_key=bucket)
    for value in ("2026-03-10T10:55:00+00:00", None):
        clients.schedule.patch_item(
            bucket,
            partition_key=bucket,
            patch_operations=[{"op": "set", "path": "/queued_until", "value": value}],
        )


@dataclass(frozen=True)
class _Plan:
    buckets: list[str]
    # (message, the scratch bucket its entry is patched in)
    reminders: list[tuple[Message, str]]


def _scratch_buckets(scenario: Scenario, partitions: int, tag: str) -> Iterator[str]:
    """Scratch buckets holding as many entries as the run's (its due ones), not timed."""
    clients = _clients(scenario)
    per_bucket = max(1, len(scenario.due) // max(partitions, 1))
    for index in range(partitions):
        bucket = f"floor-{tag}-{index:02d}"
        entries = {
            f"filler{number:020d}": {**_BUCKET_ENTRY, "message_id": f"filler{number:020d}"}
            for number in range(per_bucket)
        }
        # No `hour`: the timer's query never finds it (the next run must not work it).
        clients.schedule.upsert_item({"id": bucket, "entries": entries, "ttl": 3600})
        yield bucket


def floor_run(scenario: Scenario, *, partitions: int, threads: int) -> dict[str, Any]:
    """The run's calls with the bare SDK from `threads` threads: seconds, reminders/s, and
    the calls it made by method."""
    tag = uuid.uuid4().hex[:8]
    floor_queue = bare_queue(scenario.stack.settings, _floor_queue(scenario))
    with contextlib.suppress(ResourceExistsError):
        floor_queue.create_queue()
    buckets = list(_scratch_buckets(scenario, partitions, tag))
    plan = _Plan(
        buckets=buckets,
        reminders=[
            (message, buckets[index % len(buckets)]) for index, message in enumerate(scenario.due)
        ],
    )
    per_thread = _ThreadClients(scenario)
    first = _clients(scenario)
    # Each thread's connections made before the clock starts, as the run's are.
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(lambda _: per_thread.get(), range(threads * 4)))
        with counting_calls() as counts:
            started = time.perf_counter()
            list(
                first.schedule.query_items(
                    _OPEN_BUCKETS,
                    parameters=[{"name": "@up_to", "value": DUE_HOUR.isoformat()}],
                    enable_cross_partition_query=True,
                )
            )
            first.services.read_item(scenario.service_id, partition_key=scenario.service_id)
            list(pool.map(lambda bucket: _partition(per_thread.get(), bucket), plan.buckets))
            list(
                pool.map(
                    lambda item: _reminder(per_thread.get(), item[0], item[1], tag),
                    plan.reminders,
                )
            )
            seconds = time.perf_counter() - started
    floor_queue.clear_messages()
    for bucket in buckets:
        first.schedule.delete_item(bucket, partition_key=bucket)
    sent = len(plan.reminders)
    return {
        "seconds": round(seconds, 3),
        "reminders_per_s": round(sent / seconds, 1) if seconds else None,
        "threads": threads,
        "calls_by_method": _by_method(counts.as_dict()),
    }


def _by_method(counted: dict[str, Any]) -> dict[str, int]:
    """Cosmos calls by method (a miss as its own), and queue sends."""
    methods: dict[str, int] = {}
    for call, number in counted["cosmos_calls"].items():
        method = call.split(" ", 1)[1]
        methods[method] = methods.get(method, 0) + number
    methods["send_message"] = counted["queue_calls"].get("send_message", 0)
    return dict(sorted(methods.items()))


def compare_calls(run: dict[str, Any], floor: dict[str, Any]) -> dict[str, Any]:
    """Whether the floor made the run's calls (per method, within 2% or 8 calls)."""
    made, floor_made = _by_method(run), floor["calls_by_method"]
    mismatches = {
        method: {"run": made.get(method, 0), "floor": floor_made.get(method, 0)}
        for method in sorted(set(made) | set(floor_made))
        if abs(made.get(method, 0) - floor_made.get(method, 0))
        > max(_SLACK, _TOLERANCE * max(made.get(method, 0), floor_made.get(method, 0)))
    }
    return {"calls_match": not mismatches, "mismatches": mismatches}
