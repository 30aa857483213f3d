"""The storage calls one dispatch makes, counted (bench.storage_call_counts) while the
dispatch use case runs in this process with the app's real adapters: the floor
(bench.dispatch_floor) makes the same ones, which these counts back up.

The service cache is warmed first, as it is in a running worker (one read per service
every SERVICE_CACHE_TTL_SECONDS), so the counts are those of the usual dispatch."""

from __future__ import annotations

from typing import Any

from bench.dispatch_scenario import CallbackService, DispatchWorld, event_refs
from bench.storage_call_counts import counting_calls
from shared.domain.events import EventType
from shared.services.dispatch_event import Dispatch, dispatch_event

# What the floor makes per event, besides the host's receive share and its delete.
FLOOR_CALLS: dict[str, dict[str, Any]] = {
    "push": {
        "point_reads": 2,  # the message, the citizen's profile
        "queries": 0,
        "cosmos_writes": {"replace_item": 2, "upsert_item": 1},  # claim, remove; index
        "queue_calls": {"send_message": 1},  # the push queue
        "posts": 0,
    },
    "callback": {
        "point_reads": 1,  # the message
        "queries": 0,
        "cosmos_writes": {"replace_item": 2},  # claim, remove
        "queue_calls": {},
        "posts": 1,
    },
}
KINDS = {"push": EventType.NEW_MESSAGE_PUSH, "callback": EventType.PROCESSED}


def count_dispatch_calls(world: DispatchWorld, service: CallbackService) -> dict[str, Any]:
    """Per kind of event, the calls of one dispatch (after a first, uncounted one of each
    kind warms the service cache), and whether it was delivered."""
    ports = world.app.dispatch_ports()
    counted: dict[str, Any] = {}
    for name, kind in KINDS.items():
        warm, measured = world.store(
            [world.message_with_event(service.service_id, index, kind) for index in range(2)]
        )
        [warm_ref] = event_refs([warm])
        [ref] = event_refs([measured])
        dispatch_event(warm_ref, ports=ports)
        posts_before = world.receiver.count()
        with counting_calls() as counts:
            outcome = dispatch_event(ref, ports=ports)
        calls = counts.as_dict()
        counted[name] = {
            "delivered": outcome is Dispatch.DELIVERED,
            "point_reads": calls["point_reads"],
            "queries": calls["queries"],
            "cosmos_writes": calls["cosmos_writes"],
            "queue_calls": calls["queue_calls"],
            "posts": world.receiver.count() - posts_before,
        }
    return counted


def floor_matches(counted: dict[str, Any]) -> bool:
    """Whether the floor makes the calls counted (delivery aside)."""
    return all(
        {key: value for key, value in counted[name].items() if key != "delivered"} == expected
        for name, expected in FLOOR_CALLS.items()
    )
