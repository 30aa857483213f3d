"""Rate-limit window counters in Cosmos DB: one document per (service, window), counted
with the atomic `incr` patch so every function instance shares the same count; and
counters counted once per token (a create, or a replace on the etag)."""

from __future__ import annotations

from azure.core import MatchConditions
from azure.cosmos import ContainerProxy, exceptions

from shared.adapters.cosmos_client import domain_errors
from shared.domain.errors import OutcomeUnknownError

# Tries of count_once against other writers of the same counter.
_COUNT_ONCE_TRIES = 8


class CosmosWindowCounter:
    def __init__(self, container: ContainerProxy) -> None:
        self._container = container

    def increment(self, key: str, ttl_seconds: int, by: int = 1) -> int:
        operations = [{"op": "incr", "path": "/count", "value": by}]
        with domain_errors():
            for _ in range(3):
                try:
                    document = self._container.patch_item(
                        key, partition_key=key, patch_operations=operations
                    )
                    return int(document["count"])
                except exceptions.CosmosResourceNotFoundError:
                    pass
                try:
                    self._container.create_item({"id": key, "count": by, "ttl": ttl_seconds})
                    return by
                except exceptions.CosmosResourceExistsError:
                    continue  # another instance created it first: count on it
        raise RuntimeError(f"rate counter {key} kept disappearing")

    def count_once(self, key: str, ttl_seconds: int, *, token: str) -> int | None:
        try:
            return self._count_once(key, ttl_seconds, token)
        except OutcomeUnknownError:
            # It may have landed: tried again, the token says so.
            return self._count_once(key, ttl_seconds, token)

    def _count_once(self, key: str, ttl_seconds: int, token: str) -> int | None:
        # Created first: a counter counted once per token (a citizen's reminders of a day)
        # is most often new, and then this is its one write. Else read, and replaced on its
        # etag. (Not a patch conditional on the token: the emulator ignores patch
        # conditions.)
        with domain_errors():
            for _ in range(_COUNT_ONCE_TRIES):
                try:
                    self._container.create_item(
                        {"id": key, "count": 1, "tokens": [token], "ttl": ttl_seconds}
                    )
                    return 1
                except exceptions.CosmosResourceExistsError:
                    pass
                try:
                    document = self._container.read_item(key, partition_key=key)
                except exceptions.CosmosResourceNotFoundError:
                    continue  # expired between the two: create it
                tokens = list(document.get("tokens", []))
                if token in tokens:
                    return None  # counted for this token already
                counted = int(document.get("count", 0)) + 1
                try:
                    self._container.replace_item(
                        key,
                        {
                            "id": key,
                            "count": counted,
                            "tokens": [*tokens, token],
                            "ttl": ttl_seconds,
                        },
                        etag=document["_etag"],
                        match_condition=MatchConditions.IfNotModified,
                    )
                    return counted
                except (
                    exceptions.CosmosAccessConditionFailedError,
                    exceptions.CosmosResourceNotFoundError,
                ):
                    continue  # counted by another meanwhile, or expired: again
        raise RuntimeError(f"counter {key} kept changing")
