"""Run a campaign: check each recipient, then send, with a bounded number of workers.

Workers are daemon threads, so that a second Ctrl-C can abandon a request still waiting for
its answer; the Idempotency-Key makes whatever was abandoned safe to send again.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from postino_send.api import ApiKeyRefusedError, PostinoApi, SendResult
from postino_send.outcomes import Outcome, RowResult
from postino_send.prepare import PreparedRow
from postino_send.retry import RunStoppedError

INTERRUPTED_BEFORE = "the run stopped before this row was sent"
ABANDONED = "abandoned while being sent: it may have been sent; run the same command again"


@dataclass
class Campaign:
    """The rows of one run and what became of them so far (shared with the workers)."""

    rows: Sequence[PreparedRow]
    api: PostinoApi
    dry_run: bool = False
    on_result: Callable[[RowResult], None] = lambda result: None
    stop: threading.Event = field(default_factory=threading.Event)
    results: dict[int, RowResult] = field(default_factory=dict)
    key_refused: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)
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

    def _record(self, row: PreparedRow, result: SendResult) -> None:
        row_result = RowResult(
            row.row, row.fiscal_code, result.outcome, result.message_id, result.error
        )
        with self._lock:
            if row.row in self.results:
                return
            self.results[row.row] = row_result
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
                self.stop.set()
                continue
            self._record(row, result)

    def start(self, concurrency: int) -> list[threading.Thread]:
        """Start `concurrency` workers over the rows; they end when the rows are done or
        `stop` is set."""
        todo: queue.SimpleQueue[PreparedRow | None] = queue.SimpleQueue()
        for row in self.rows:
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
        with self._lock:
            return len(self.results)

    def finish(self) -> list[RowResult]:
        """Every row's result, in row order; a row without one is NOT_SENT, saying whether
        its message may have reached the API."""
        with self._lock:
            results = dict(self.results)
            sending = set(self._sending)
        return [
            results.get(row.row)
            or RowResult(
                row.row,
                row.fiscal_code,
                Outcome.NOT_SENT,
                error=ABANDONED if row.row in sending else INTERRUPTED_BEFORE,
            )
            for row in self.rows
        ]


def wait_sleeper(stop: threading.Event) -> Callable[[float], bool]:
    """A sleep that ends early, returning False, when `stop` is set."""
    return lambda seconds: not stop.wait(seconds)
