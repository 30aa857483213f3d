"""Run one invocation of a function in a worker process: request out, outcome back, one log
line each way.

The invoker builds the InvocationRequest from what the trigger has (an HTTP call, a queue
delivery, a timer firing) and hands it to the worker pool. An answer with queue outputs is
read on the invoker's own threads, never on the worker connection's reader thread: the
outputs are sent from there, only when the function succeeded, before the invocation
counts as done. An answer with nothing to send is read where it arrives.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from .function_config import FunctionConfig, HttpTrigger, QueueTrigger, TimerTrigger
from .function_timeout import TimeoutWatchdog
from .queue_delivery import QueueDelivery
from .queue_output import QueueOutputSender
from .worker.invocation_outcomes import InvocationOutcome, read_outcome
from .worker.invocation_requests import http_invocation, queue_invocation, timer_invocation
from .worker.metadata import function_id
from .worker.protocol import pb

__all__ = ["HttpCall", "InvocationOutcome", "Invoker", "TimerFiring", "TriggerInput"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HttpCall:
    """An HTTP request as the host received it: full URL, headers as sent, raw body."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    route_params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TimerFiring:
    """One occurrence of a timer (or a run asked for through the admin API)."""

    past_due: bool = False


TriggerInput = HttpCall | QueueDelivery | TimerFiring


class InvocationTarget(Protocol):
    """What runs the requests: the worker pool."""

    def invoke(self, request: pb.InvocationRequest) -> Future[pb.InvocationResponse]: ...


class Invoker:
    """Sends invocations to the workers and counts those in flight, so shutdown can wait."""

    def __init__(
        self,
        *,
        target: InvocationTarget,
        output_sender: QueueOutputSender,
        function_timeout: timedelta | None,
    ) -> None:
        self._target = target
        self._threads = ThreadPoolExecutor(thread_name_prefix="invocation-end")
        self._sender = output_sender
        self._watchdog = TimeoutWatchdog(function_timeout)
        self._in_flight = 0
        self._idle = threading.Condition()
        self._closed = False
        self._shut = False  # close() was called: answers are no longer read

    @property
    def function_timeout(self) -> timedelta | None:
        return self._watchdog.timeout

    def submit(
        self, function: FunctionConfig, trigger_input: TriggerInput, reason: str
    ) -> Future[InvocationOutcome]:
        """Start an invocation; the future never raises, it holds the outcome.

        Raises RuntimeError once the invoker is closing.
        """
        with self._idle:
            if self._closed:
                raise RuntimeError("the host is stopping")
            self._in_flight += 1
        outcome: Future[InvocationOutcome] = Future()
        outcome.add_done_callback(self._finished)
        invocation_id = str(uuid.uuid4())
        logger.info(
            "Executing 'Functions.%s' (Reason='%s', Id=%s)", function.name, reason, invocation_id
        )
        started = time.monotonic()
        self._watchdog.watch(invocation_id, function.name)
        try:
            answer = self._target.invoke(_request(function, trigger_input, invocation_id))
        except Exception as error:  # no worker left, or the pool is closed
            self._watchdog.release(invocation_id)
            self._end(function, started, outcome, _failure(invocation_id, str(error)))
            return outcome
        answer.add_done_callback(
            lambda done: self._hand_over(function, started, outcome, invocation_id, done)
        )
        return outcome

    def stop_accepting(self) -> None:
        with self._idle:
            self._closed = True

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no invocation is in flight; False if some still are after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def close(self) -> None:
        """Stop accepting; answers already in are still read, later ones cancel their
        invocation's future. Does not wait."""
        self.stop_accepting()
        self._shut = True
        self._threads.shutdown(wait=False)
        self._watchdog.close()

    def _finished(self, _: object) -> None:
        with self._idle:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.notify_all()

    def _hand_over(
        self,
        function: FunctionConfig,
        started: float,
        outcome: Future[InvocationOutcome],
        invocation_id: str,
        answer: Future[pb.InvocationResponse],
    ) -> None:
        # Runs on the worker connection's reader thread, which must never wait on I/O:
        # an answer with queue outputs to send is handed on; one without is only read,
        # logged and passed to its waiter, cheaper here than a hop to another thread.
        if not function.queue_outputs:
            if self._shut:
                outcome.cancel()  # the invoker is closed: the host has stopped waiting
            else:
                self._complete(function, started, outcome, invocation_id, answer)
            return
        try:
            self._threads.submit(self._complete, function, started, outcome, invocation_id, answer)
        except RuntimeError:
            outcome.cancel()  # the invoker is closed: the host has stopped waiting

    def _complete(
        self,
        function: FunctionConfig,
        started: float,
        outcome: Future[InvocationOutcome],
        invocation_id: str,
        answer: Future[pb.InvocationResponse],
    ) -> None:
        try:
            ended = read_outcome(answer.result(), http_output=function.http_output)
            if self._watchdog.release(invocation_id):
                ended = _failure(
                    invocation_id, f"FunctionTimeoutError: ran longer than {self.function_timeout}"
                )
            elif ended.succeeded:
                for output in function.queue_outputs:
                    if output.binding_name in ended.outputs:
                        self._sender.send(output, ended.outputs[output.binding_name])
        except Exception as error:  # a dead worker, an output that cannot be sent
            self._watchdog.release(invocation_id)
            ended = _failure(invocation_id, f"{type(error).__name__}: {error}")
        self._end(function, started, outcome, ended)

    def _end(
        self,
        function: FunctionConfig,
        started: float,
        outcome: Future[InvocationOutcome],
        ended: InvocationOutcome,
    ) -> None:
        elapsed = round((time.monotonic() - started) * 1000)
        state = "Succeeded" if ended.succeeded else "Failed"
        logger.log(
            logging.INFO if ended.succeeded else logging.ERROR,
            "Executed 'Functions.%s' (%s, Id=%s, Duration=%dms)",
            function.name,
            state,
            ended.invocation_id,
            elapsed,
        )
        if not ended.succeeded:
            trace = f"\n{ended.stack_trace.rstrip()}" if ended.stack_trace else ""
            logger.error(
                "Exception while executing function: Functions.%s: %s%s",
                function.name,
                ended.error_message,
                trace,
            )
        outcome.set_result(ended)


def _request(
    function: FunctionConfig, trigger_input: TriggerInput, invocation_id: str
) -> pb.InvocationRequest:
    trigger = function.trigger
    names = {
        "function_id": function_id(function),
        "function_name": function.name,
        "binding_name": trigger.binding_name,
        "invocation_id": invocation_id,
    }
    if isinstance(trigger_input, HttpCall) and isinstance(trigger, HttpTrigger):
        return http_invocation(
            **names,
            method=trigger_input.method,
            url=trigger_input.url,
            headers=trigger_input.headers,
            body=trigger_input.body,
            route_params=trigger_input.route_params,
        )
    if isinstance(trigger_input, QueueDelivery) and isinstance(trigger, QueueTrigger):
        return queue_invocation(**names, delivery=trigger_input, binary=trigger.binary)
    if isinstance(trigger_input, TimerFiring) and isinstance(trigger, TimerTrigger):
        return timer_invocation(
            function_id=names["function_id"],
            function_name=function.name,
            binding_name=trigger.binding_name,
            past_due=trigger_input.past_due,
            invocation_id=invocation_id,
        )
    raise TypeError(f"{function.name} is not triggered by a {type(trigger_input).__name__}")


def _failure(invocation_id: str, message: str) -> InvocationOutcome:
    return InvocationOutcome(invocation_id, succeeded=False, error_message=message)
