"""Run a campaign: check each recipient, then send, with a bounded number of workers.

Workers are daemon threads, so that a second Ctrl-C can abandon a request still waiting for
its answer; the Idempotency-Key makes whatever was abandoned safe to send again.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from postino_send.api import ApiKeyRefusedError, PostinoApi, SendResult
from postino_send.outcomes import Outcome, RowResult
from postino_send.prepare import PreparedRow
from postino_send.retry import RunStoppedError
from shared.domain.compat import StrEnum

INTERRUPTED_BEFORE = "the run stopped before this row was sent"
KEY_REFUSED_BEFORE = "not sent: the API refused the key"
API_DOWN_BEFORE = "not sent: the run stopped while the API kept failing; run it again later"
ABANDONED = "abandoned while being sent: it may have been sent; run the same command again"
# Rows failing in a row, for want of the API, before the run stops (--stop-after-failures).
DEFAULT_FAILURES_TO_STOP = 10


class StopReason(StrEnum):
    """Why a run ended before its last row."""

    INTERRUPTED = "interrupted"  # Ctrl-C or SIGTERM
    KEY_REFUSED = "key_refused"  # a 401: no row can be sent with this key
    API_DOWN = "api_down"  # the circuit breaker: rows kept failing for want of the API


_NOT_SENT_BECAUSE = {
    StopReason.INTERRUPTED: INTERRUPTED_BEFORE,
    StopReason.KEY_REFUSED: KEY_REFUSED_BEFORE,
    StopReason.API_DOWN: API_DOWN_BEFORE,
}


@dataclass
class Campaign:
    """The rows of one run and what became of them so far (shared with the workers).

    `known_sent` maps the Idempotency-Keys an earlier run's results file records as sent to
    their message ids: those rows are reported already sent with no call to the API.
    After `failures_to_stop` rows in a row fail for want of the API (0: never), the run
    stops, as a Ctrl-C would: what was not sent is sent by running the command again.
    """

    rows: Sequence[PreparedRow]
    api: PostinoApi
    dry_run: bool = False
    on_result: Callable[[RowResult], None] = lambda result: None
    stop: threading.Event = field(default_factory=threading.Event)
    known_sent: Mapping[str, str] = field(default_factory=dict)
    failures_to_stop: int = DEFAULT_FAILURES_TO_STOP
    results: dict[int, RowResult] = field(default_factory=dict)
    key_refused: str = ""
    stopped_because: StopReason | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _failures_in_a_row: int = 0
    _known_done: int = 0  # rows recorded from known_sent
    _checked: dict[str, SendResult | None] = field(default_factory=dict)
    _sending: set[int] = field(default_factory=set)  # rows whose message was POSTed

    def _recipient(self, fiscal_code: str) -> SendResult | None:
        # A citizen with several rows is checked once per run.
        with self._lock:
            if fiscal_code in self._checked:
                return self._checked[fiscal_code]
        verdict = self.api.check_recipient(fiscal_code)
        if verdict is None or verdict.outcome is not Outcome.FAILED:
            with self._lock:
                self._checked[fiscal_code] = verdict
        return verdict

    def _handle(self, row: PreparedRow) -> SendResult:
        verdict = self._recipient(row.fiscal_code)
        if verdict is not None:
            return verdict
        if self.dry_run:
            return SendResult(Outcome.WOULD_SEND)
        if self.stop.is_set():
            raise RunStoppedError
        with self._lock:
            self._sending.add(row.row)
        return self.api.send(row)

    def _stop_for(self, reason: StopReason) -> None:
        with self._lock:
            if self.stopped_because is None:
                self.stopped_because = reason
        self.stop.set()

    def _count_failure(self, result: SendResult) -> None:
        # Under self._lock. Any answer from the API closes the breaker again.
        self._failures_in_a_row = self._failures_in_a_row + 1 if result.unavailable else 0
        if self.failures_to_stop and self._failures_in_a_row >= self.failures_to_stop:
            if self.stopped_because is None:
                self.stopped_because = StopReason.API_DOWN
            self.stop.set()

    def _record(self, row: PreparedRow, result: SendResult) -> None:
        row_result = RowResult(
            row.row,
            row.fiscal_code,
            result.outcome,
            result.message_id,
            result.error,
            row.idempotency_key,
        )
        with self._lock:
            if row.row in self.results:
                return
            self.results[row.row] = row_result
            self._count_failure(result)
        self.on_result(row_result)

    def _work(self, todo: queue.SimpleQueue[PreparedRow | None]) -> None:
        while (row := todo.get()) is not None:
            if self.stop.is_set():
                continue  # left for the end, reported not sent
            try:
                result = self._handle(row)
            except RunStoppedError:
                continue
            except ApiKeyRefusedError as refused:
                self.key_refused = str(refused)
                self._stop_for(StopReason.KEY_REFUSED)
                continue
            self._record(row, result)

    def start(self, concurrency: int) -> list[threading.Thread]:
        """Start `concurrency` workers over the rows; they end when the rows are done or
        `stop` is set."""
        todo: queue.SimpleQueue[PreparedRow | None] = queue.SimpleQueue()
        for row in self.rows:
            message_id = self.known_sent.get(row.idempotency_key)
            if message_id:
                self._record(row, SendResult(Outcome.ALREADY_SENT, message_id))
                self._known_done += 1
            else:
                todo.put(row)
        workers = [
            threading.Thread(target=self._work, args=(todo,), daemon=True, name=f"sender-{n}")
            for n in range(concurrency)
        ]
        for worker in workers:
            todo.put(None)
            worker.start()
        return workers

    def done(self) -> int:
        """The rows this run has handled (not those known sent from the results file)."""
        with self._lock:
            return len(self.results) - self._known_done

    def finish(self) -> list[RowResult]:
        """Every row's result, in row order; a row without one is NOT_SENT, saying whether
        its message may have reached the API."""
        with self._lock:
            results = dict(self.results)
            sending = set(self._sending)
            if self.stop.is_set() and self.stopped_because is None:
                self.stopped_because = StopReason.INTERRUPTED
            before = _NOT_SENT_BECAUSE[self.stopped_because or StopReason.INTERRUPTED]
        return [
            results.get(row.row)
            or RowResult(
                row.row,
                row.fiscal_code,
                Outcome.NOT_SENT,
                error=ABANDONED if row.row in sending else before,
                idempotency_key=row.idempotency_key,
            )
            for row in self.rows
        ]

    def known_sent_count(self) -> int:
        """The rows reported already sent from the results file, without a call."""
        return sum(1 for row in self.rows if self.known_sent.get(row.idempotency_key))


def wait_sleeper(stop: threading.Event) -> Callable[[float], bool]:
    """A sleep that ends early, returning False, when `stop` is set."""
    return lambda seconds: not stop.wait(seconds)
