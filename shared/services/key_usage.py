"""When each API key was last used, for operators (`service show`), at a price the hot path
does not notice.

The directory tells the recorder of every key record it reads from the store, which happens
at most once per SERVICE_CACHE_TTL_SECONDS per key and worker, never per request. The record
carries its stored `last_used_at`; only when that is an hour old or more (or missing) is a
write due, and this worker then writes at most once an hour per key, whatever the write's
outcome. The write is a one-field patch handed to a background thread: the request neither
waits for it nor can fail because of it (a failure is logged and the next hour tries again).
So last_used_at is accurate to about an hour, and costs each key about one write an hour
per worker that uses it (workers racing in the same cache period may each write once).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from shared.domain.api_keys import ApiKeyRecord
from shared.services.ports import ApiKeyRepository

logger = logging.getLogger(__name__)

LAST_USED_RESOLUTION = timedelta(hours=1)

Submit = Callable[[Callable[[], None]], None]

# One thread per process, made when first used (threads start lazily).
_BACKGROUND = ThreadPoolExecutor(max_workers=1, thread_name_prefix="key-usage")


def in_background(work: Callable[[], None]) -> None:
    """Run `work` on this process's key-usage thread."""
    _BACKGROUND.submit(work)


def run_now(work: Callable[[], None]) -> None:
    """Run `work` at once, in the caller's thread (tests, the CLI)."""
    work()


class KeyUsageRecorder:
    """Records that a key was used, at most once per LAST_USED_RESOLUTION per key."""

    def __init__(self, *, api_keys: ApiKeyRepository, submit: Submit = in_background) -> None:
        self._api_keys = api_keys
        self._submit = submit
        self._next_write: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def used(self, record: ApiKeyRecord, now: datetime) -> None:
        """Note that `record`'s key authenticated a call at `now`; never raises."""
        last = record.last_used_at
        if last is not None and now - last < LAST_USED_RESOLUTION:
            return
        with self._lock:
            due = self._next_write.get(record.id)
            if due is not None and now < due:
                return
            self._next_write[record.id] = now + LAST_USED_RESOLUTION
            # Forget keys not seen for an hour: memory stays bounded by the keys in use.
            for key_hash in [key for key, at in self._next_write.items() if at <= now]:
                del self._next_write[key_hash]
        try:
            self._submit(lambda: self._write(record, now))
        except RuntimeError:  # the executor is shutting down with the process
            logger.warning("last use of a key of service %s not recorded", record.service_id)

    def _write(self, record: ApiKeyRecord, now: datetime) -> None:
        try:
            self._api_keys.mark_used(record.id, now)
        except Exception as exc:  # a statistic: never worth failing anything
            logger.warning(
                "last use of the %s key of service %s not recorded: %s",
                record.slot,
                record.service_id,
                type(exc).__name__,
            )
