"""The traffic of a chaos run: careful clients sending, and a probe reading statuses.

`Load` runs `clients` threads, each with its own `CarefulSender`, over a list of messages
paced evenly over `seconds` (a client blocked by an outage falls behind and catches up
afterwards, as a real institution's sender would). `Probe` asks, every fraction of a
second, for the status of a message already accepted, and records each answer.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import requests

from infra.local.faults.audit import Answer
from infra.local.faults.sender import (
    INSTITUTION_KEY_HEADER,
    REQUEST_TIMEOUT_SECONDS,
    CarefulSender,
    Outbound,
    SendResult,
)

PROBE_INTERVAL_SECONDS = 0.25


class Load:
    """Sends `outbound` from `clients` threads, message i not before `i * seconds / len`."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        outbound: Sequence[Outbound],
        *,
        clients: int,
        seconds: float,
        give_up_after: float,
        rng: random.Random,
    ) -> None:
        self._base_url = base_url
        self._api_key = api_key
        self._outbound = list(outbound)
        self._spacing = seconds / max(len(self._outbound), 1)
        self._give_up_after = give_up_after
        self._lock = threading.Lock()
        self._next = 0
        self._results: list[SendResult] = []
        self._accepted: list[tuple[str, str]] = []
        self._seeds = [rng.getrandbits(32) for _ in range(clients)]
        self._threads = [
            threading.Thread(target=self._client, args=(n,), name=f"client-{n}", daemon=True)
            for n in range(clients)
        ]
        self._started = 0.0

    def start(self) -> None:
        self._started = time.monotonic()
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        for thread in self._threads:
            thread.join()

    @property
    def done(self) -> bool:
        return not any(thread.is_alive() for thread in self._threads)

    @property
    def results(self) -> list[SendResult]:
        with self._lock:
            return list(self._results)

    def progress(self) -> dict[str, int]:
        """How many sends ended, by answer, and how many are under way."""
        with self._lock:
            ended = [result.send.answer for result in self._results]
            started = self._next
        counts = {answer.value: ended.count(answer) for answer in Answer}
        return {**counts, "in_flight": started - len(ended), "total": len(self._outbound)}

    def accepted_sample(self, rng: random.Random) -> tuple[str, str] | None:
        """A (fiscal code, id) of a message answered 201 so far, at random."""
        with self._lock:
            return rng.choice(self._accepted) if self._accepted else None

    def _take(self) -> tuple[int, Outbound] | None:
        with self._lock:
            if self._next >= len(self._outbound):
                return None
            index = self._next
            self._next += 1
            return index, self._outbound[index]

    def _client(self, number: int) -> None:
        rng = random.Random(self._seeds[number])  # noqa: S311 - jitter, not a secret
        sender = CarefulSender(
            self._base_url, self._api_key, give_up_after=self._give_up_after, rng=rng
        )
        try:
            while (taken := self._take()) is not None:
                index, outbound = taken
                release = self._started + index * self._spacing
                time.sleep(max(release - time.monotonic(), 0.0))
                result = sender.send(outbound)
                with self._lock:
                    self._results.append(result)
                    if result.send.message_id is not None:
                        self._accepted.append((outbound.fiscal_code, result.send.message_id))
        finally:
            sender.close()


@dataclass(frozen=True)
class ProbeResult:
    """One status request: when (monotonic), how long, the answer (`status` None: a
    transport error, named in `error`) and the message status it reported."""

    started: float
    seconds: float
    status: int | None
    message_status: str | None = None
    error: str | None = None


class Probe:
    """GETs the status of accepted messages from one thread until `stop`."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        load: Load,
        *,
        rng: random.Random,
        interval: float = PROBE_INTERVAL_SECONDS,
    ) -> None:
        self._base_url = base_url
        self._api_key = api_key
        self._load = load
        self._rng = rng
        self._interval = interval
        self._stopping = threading.Event()
        self._results: list[ProbeResult] = []
        self._thread = threading.Thread(target=self._run, name="probe", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> list[ProbeResult]:
        self._stopping.set()
        self._thread.join()
        return list(self._results)

    def _run(self) -> None:
        with requests.Session() as session:
            while not self._stopping.wait(self._interval):
                target = self._load.accepted_sample(self._rng)
                if target is not None:
                    self._results.append(self._get(session, *target))

    def _get(self, session: requests.Session, fiscal_code: str, message_id: str) -> ProbeResult:
        url = f"{self._base_url}/api/v1/messages/{fiscal_code}/{message_id}"
        started = time.monotonic()
        try:
            response = session.get(
                url,
                headers={INSTITUTION_KEY_HEADER: self._api_key},
                timeout=REQUEST_TIMEOUT_SECONDS,
            )
        except requests.RequestException as exc:
            return ProbeResult(started, time.monotonic() - started, None, error=type(exc).__name__)
        seconds = time.monotonic() - started
        status = None
        if response.status_code == 200:
            try:
                status = str(response.json().get("status"))
            except ValueError:
                status = None
        return ProbeResult(started, seconds, response.status_code, message_status=status)
