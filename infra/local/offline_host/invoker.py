"""Run one invocation of a function: arguments in, outputs out, one log line each way.

Sync functions run on a thread pool sized like the worker's (``PYTHON_THREADPOOL_THREAD_COUNT``,
default ``min(32, cpu + 4)``); async ones on a single event loop. Queue outputs are sent
only when the function succeeded, before the invocation counts as done.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import azure.functions as func

from .async_loop import AsyncLoopThread
from .errors import FunctionTimeoutError, HostConfigError
from .function_config import RETURN_BINDING
from .function_loader import LoadedFunction
from .function_timeout import TimeoutWatchdog
from .invocation_context import InvocationContext
from .out_binding import OutValue
from .queue_output import QueueOutputSender

logger = logging.getLogger(__name__)

THREAD_COUNT_SETTING = "PYTHON_THREADPOOL_THREAD_COUNT"


@dataclass(frozen=True)
class InvocationOutcome:
    """How an invocation ended and, when it succeeded, the value of each output binding."""

    invocation_id: str
    succeeded: bool
    outputs: Mapping[str, Any] = field(default_factory=dict)
    error: BaseException | None = None


def thread_count(environ: Mapping[str, str]) -> int:
    """The sync thread pool size; raises HostConfigError for a value outside 1..32."""
    value = environ.get(THREAD_COUNT_SETTING, "").strip()
    if not value:
        return min(32, (os.cpu_count() or 1) + 4)
    if not value.isdigit() or not 1 <= int(value) <= 32:
        raise HostConfigError(f"{THREAD_COUNT_SETTING} must be an integer from 1 to 32")
    return int(value)


class Invoker:
    """Runs invocations and counts those in flight, so shutdown can wait for them."""

    def __init__(
        self,
        *,
        threads: int,
        output_sender: QueueOutputSender,
        function_timeout: timedelta | None,
    ) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="function")
        self._loop = AsyncLoopThread()
        self._sender = output_sender
        self._watchdog = TimeoutWatchdog(function_timeout)
        self._in_flight = 0
        self._idle = threading.Condition()
        self._closed = False

    @property
    def function_timeout(self) -> timedelta | None:
        return self._watchdog.timeout

    def submit(
        self, function: LoadedFunction, trigger_input: object, reason: str
    ) -> Future[InvocationOutcome]:
        """Start an invocation; the future never raises, it holds the outcome.

        Raises RuntimeError once the invoker is closing.
        """
        invocation_id = str(uuid.uuid4())
        with self._idle:
            if self._closed:
                raise RuntimeError("the host is stopping")
            self._in_flight += 1
        try:
            if function.is_async:
                future = self._loop.submit(
                    self._run_async(function, trigger_input, reason, invocation_id)
                )
            else:
                future = self._pool.submit(
                    self._run_sync, function, trigger_input, reason, invocation_id
                )
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

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
        """Cancel invocations still waiting for a thread and stop the loop; do not wait."""
        self.stop_accepting()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._loop.close()
        self._watchdog.close()

    def _finished(self, _: object) -> None:
        with self._idle:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.notify_all()

    def _run_sync(
        self, function: LoadedFunction, trigger_input: object, reason: str, invocation_id: str
    ) -> InvocationOutcome:
        started = self._begin(function, reason, invocation_id)
        try:
            arguments, outs = function.plan.arguments(
                trigger_input, _context(function, invocation_id)
            )
            result = function.entry(**arguments)
            outputs = self._collect(function, invocation_id, result, outs)
            self._send_queue_outputs(function, outputs)
        except BaseException as error:  # whatever user code raises fails the invocation
            return self._failed(function, invocation_id, started, error)
        return self._succeeded(function, invocation_id, started, outputs)

    async def _run_async(
        self, function: LoadedFunction, trigger_input: object, reason: str, invocation_id: str
    ) -> InvocationOutcome:
        started = self._begin(function, reason, invocation_id)
        try:
            arguments, outs = function.plan.arguments(
                trigger_input, _context(function, invocation_id)
            )
            result = await function.entry(**arguments)
            outputs = self._collect(function, invocation_id, result, outs)
            await asyncio.to_thread(self._send_queue_outputs, function, outputs)
        except BaseException as error:  # whatever user code raises fails the invocation
            return self._failed(function, invocation_id, started, error)
        return self._succeeded(function, invocation_id, started, outputs)

    def _begin(self, function: LoadedFunction, reason: str, invocation_id: str) -> float:
        logger.info(
            "Executing 'Functions.%s' (Reason='%s', Id=%s)", function.name, reason, invocation_id
        )
        self._watchdog.watch(invocation_id, function.name)
        return time.monotonic()

    def _collect(
        self,
        function: LoadedFunction,
        invocation_id: str,
        result: object,
        outs: Mapping[str, OutValue[Any]],
    ) -> dict[str, Any]:
        if self._watchdog.release(invocation_id):
            raise FunctionTimeoutError(f"the invocation ran longer than {self.function_timeout}")
        config = function.config
        outputs = {name: out.get() for name, out in outs.items() if out.is_set}
        if RETURN_BINDING in config.output_names:
            if result is not None:
                outputs[RETURN_BINDING] = result
            elif config.http_output == RETURN_BINDING:
                raise TypeError("the function returned None but its $return is an http output")
        elif result is not None:
            raise TypeError("the function returned a value but function.json has no $return")
        http_value = outputs.get(config.http_output or "")
        if http_value is not None and not isinstance(http_value, func.HttpResponse | str):
            kind = type(http_value).__name__
            raise TypeError(f"an http output must be a func.HttpResponse or str, not {kind}")
        return outputs

    def _send_queue_outputs(self, function: LoadedFunction, outputs: Mapping[str, Any]) -> None:
        for output in function.config.queue_outputs:
            if output.binding_name in outputs:
                self._sender.send(output, outputs[output.binding_name])

    def _succeeded(
        self,
        function: LoadedFunction,
        invocation_id: str,
        started: float,
        outputs: Mapping[str, Any],
    ) -> InvocationOutcome:
        logger.info(
            "Executed 'Functions.%s' (Succeeded, Id=%s, Duration=%dms)",
            function.name,
            invocation_id,
            _elapsed_ms(started),
        )
        return InvocationOutcome(invocation_id, True, outputs)

    def _failed(
        self, function: LoadedFunction, invocation_id: str, started: float, error: BaseException
    ) -> InvocationOutcome:
        self._watchdog.release(invocation_id)
        logger.error(
            "Executed 'Functions.%s' (Failed, Id=%s, Duration=%dms)",
            function.name,
            invocation_id,
            _elapsed_ms(started),
        )
        logger.error(
            "Exception while executing function: Functions.%s",
            function.name,
            exc_info=(type(error), error, error.__traceback__),
        )
        return InvocationOutcome(invocation_id, False, error=error)


def _context(function: LoadedFunction, invocation_id: str) -> InvocationContext:
    return InvocationContext(invocation_id, function.name, str(function.config.directory))


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
