"""Counting the Cosmos and Storage queue calls made inside a block, by wrapping the SDK's
ContainerProxy and QueueClient methods for its length."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from azure.cosmos import ContainerProxy, exceptions
from azure.storage.queue import QueueClient

_COSMOS_WRITES = (
    "create_item",
    "upsert_item",
    "replace_item",
    "patch_item",
    "delete_item",
    "execute_item_batch",
)
_QUEUE_CALLS = (
    "send_message",
    "receive_message",
    "receive_messages",
    "peek_messages",
    "update_message",
    "delete_message",
    "get_queue_properties",
    "clear_messages",
)


@dataclass
class CallCounts:
    """Cosmos and Storage queue calls made while counting: documents read per container
    (point reads that found one, and query results), misses, writes, queue calls."""

    documents_read: Counter[str] = field(default_factory=Counter)
    point_reads: int = 0
    point_read_misses: int = 0
    queries: int = 0
    query_results: int = 0
    writes: Counter[str] = field(default_factory=Counter)
    queue_calls: Counter[str] = field(default_factory=Counter)
    # Every Cosmos call as "<container> <method>" (a point read that found nothing as
    # "<container> read_item (miss)"), for a floor that makes the same calls.
    calls: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **changes: int) -> None:
        with self._lock:
            for name, by in changes.items():
                setattr(self, name, getattr(self, name) + by)

    def count(self, counter: Counter[str], key: str) -> None:
        with self._lock:
            counter[key] += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents_read": sum(self.documents_read.values()),
            "documents_read_by_container": dict(sorted(self.documents_read.items())),
            "point_reads": self.point_reads,
            "point_read_misses": self.point_read_misses,
            "queries": self.queries,
            "query_results": self.query_results,
            "cosmos_writes": dict(sorted(self.writes.items())),
            "queue_calls": dict(sorted(self.queue_calls.items())),
            "cosmos_calls": dict(sorted(self.calls.items())),
        }


class _CountedPage:
    def __init__(self, page: Iterator[Any], on_item: Callable[[], None]) -> None:
        self._page = page
        self._on_item = on_item

    def __iter__(self) -> _CountedPage:
        return self

    def __next__(self) -> Any:
        item = next(self._page)
        self._on_item()
        return item


class _CountedPages:
    """A query's pages, counting each item as it is taken (continuation_token passes)."""

    def __init__(self, pages: Any, on_item: Callable[[], None]) -> None:
        self._pages = pages
        self._on_item = on_item

    def __iter__(self) -> _CountedPages:
        return self

    def __next__(self) -> _CountedPage:
        return _CountedPage(iter(next(self._pages)), self._on_item)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pages, name)


def _counting_read(counts: CallCounts, original: Callable[..., Any]) -> Callable[..., Any]:
    def read_item(self: ContainerProxy, *args: Any, **kwargs: Any) -> Any:
        counts.add(point_reads=1)
        try:
            document = original(self, *args, **kwargs)
        except exceptions.CosmosResourceNotFoundError:
            counts.add(point_read_misses=1)
            counts.count(counts.calls, f"{self.id} read_item (miss)")
            raise
        counts.count(counts.documents_read, self.id)
        counts.count(counts.calls, f"{self.id} read_item")
        return document

    return read_item


def _counting_query(counts: CallCounts, original: Callable[..., Any]) -> Callable[..., Any]:
    def query_items(self: ContainerProxy, *args: Any, **kwargs: Any) -> Any:
        counts.add(queries=1)
        counts.count(counts.calls, f"{self.id} query_items")
        paged = original(self, *args, **kwargs)
        by_page = paged.by_page
        container = self.id

        def on_item() -> None:
            counts.add(query_results=1)
            counts.count(counts.documents_read, container)

        # ItemPaged iterates through its own by_page, so items are counted either way.
        paged.by_page = lambda *a, **k: _CountedPages(by_page(*a, **k), on_item)
        return paged

    return query_items


def _counting_call(
    counts: CallCounts, counter: Counter[str], name: str, original: Callable[..., Any]
) -> Callable[..., Any]:
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts.count(counter, name)
        if isinstance(self, ContainerProxy):
            counts.count(counts.calls, f"{self.id} {name}")
        return original(self, *args, **kwargs)

    return call


@contextlib.contextmanager
def counting_calls() -> Iterator[CallCounts]:
    """Count every Cosmos item call and Storage queue call made inside the block."""
    counts = CallCounts()
    patches: list[tuple[type, str, Callable[..., Any]]] = [
        (ContainerProxy, "read_item", _counting_read(counts, ContainerProxy.read_item)),
        (ContainerProxy, "query_items", _counting_query(counts, ContainerProxy.query_items)),
    ]
    for name in _COSMOS_WRITES:
        original = getattr(ContainerProxy, name)
        patches.append(
            (ContainerProxy, name, _counting_call(counts, counts.writes, name, original))
        )
    for name in _QUEUE_CALLS:
        original = getattr(QueueClient, name)
        patches.append(
            (QueueClient, name, _counting_call(counts, counts.queue_calls, name, original))
        )
    saved = [(owner, name, owner.__dict__[name]) for owner, name, _ in patches]
    for owner, name, replacement in patches:
        setattr(owner, name, replacement)
    try:
        yield counts
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)
