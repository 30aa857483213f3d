"""A TCP proxy in front of an emulator that injects faults per request.

The proxy runs an asyncio event loop in a daemon thread; its methods are synchronous and
may be called from any other thread: each returns once the change is in effect. Bytes are
forwarded verbatim (TLS passes through untouched, HTTP is never parsed).

A *request* is the first chunk a client sends on a connection while nothing is outstanding
on it (no reply pending); keep-alive connections carry many. A TLS handshake leg is not a
request (see `infra.local.faults.link`). Each request gets a fault when it starts:

- PASS: forwarded both ways.
- RESET_BEFORE: the client is reset (RST) and nothing is forwarded: the request was never
  sent.
- RESET_AFTER: the request is forwarded; at the upstream's first reply bytes the reply is
  dropped and the client reset: the request landed, its reply is lost.
- STALL: a black hole; the client's bytes are read and dropped, nothing is answered. The
  connection is reset when the proxy stops stalling (a `set_fault` or the end of an
  `outage` that leaves it not stalling), on `cut` and on `stop`.
- REFUSE: the listener closes (new connects get ECONNREFUSED) and every open connection
  is reset; the proxy listens again, on the same port, when the fault ends.

Every reset resets both the client and the upstream connection, so nothing is left half
open. A client whose upstream connection cannot be opened is reset as well.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import threading
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, TypeVar

from infra.local.faults.fault_modes import OUTAGE_FAULTS, STAT_CONNECTIONS, Fault, FaultPlan
from infra.local.faults.link import Link, abort_with_reset

__all__ = ["Fault", "FaultProxy"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

LISTEN_BACKLOG = 1024
UPSTREAM_CONNECT_TIMEOUT_SECONDS = 10.0
CONTROL_TIMEOUT_SECONDS = 10.0
RELISTEN_RETRY_SECONDS = 0.1
SHUTDOWN_GRACE_SECONDS = 2.0


class FaultProxy:
    """A fault-injecting TCP proxy from `listen_host:listen_port` (an address; port 0: any
    free port) to `upstream_host:upstream_port`. `seed` makes the probabilities repeatable."""

    def __init__(
        self,
        upstream_host: str,
        upstream_port: int,
        *,
        name: str,
        listen_host: str = "127.0.0.1",
        listen_port: int = 0,
        seed: int | None = None,
    ) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._name = name
        self._listen_host = listen_host
        self._port = listen_port
        self._plan = FaultPlan(seed)
        self._links: set[Link] = set()
        # The tasks serving connections, and the loop's own tasks (timers' work): awaited
        # on stop, so that none is cancelled half way.
        self._tasks: set[asyncio.Task[None]] = set()
        self._link_numbers = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._refusing = False
        self._stopped = False
        self._outage_timer: asyncio.TimerHandle | None = None
        self._relisten_timer: asyncio.TimerHandle | None = None
        # Bumped by every change of the standing fault: an outage's end applies only if
        # nothing changed the fault since the outage began.
        self._generation = 0

    def start(self) -> FaultProxy:
        """Listen, and return self; `port` is known from then on.

        Raises OSError when the port cannot be bound, RuntimeError when already started.
        """
        if self._loop is not None:
            raise RuntimeError(f"proxy {self._name} was already started")
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(
            target=_run_loop, args=(loop,), name=f"fault-proxy-{self._name}", daemon=True
        )
        self._thread.start()
        try:
            self._control(self._listen)
        except BaseException:
            self.stop()
            raise
        logger.debug("%s: listening on %s:%s", self._name, self._listen_host, self._port)
        return self

    def stop(self) -> None:
        """Stop listening, reset every connection, end the thread. Idempotent."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or self._stopped:
            return
        self._stopped = True
        if thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._shut_down(), loop).result(
                CONTROL_TIMEOUT_SECONDS
            )
            loop.call_soon_threadsafe(loop.stop)
            thread.join(CONTROL_TIMEOUT_SECONDS)
        logger.debug("%s: stopped", self._name)

    @property
    def port(self) -> int:
        """The port the proxy listens on (raises RuntimeError before `start`)."""
        if self._loop is None:
            raise RuntimeError(f"proxy {self._name} is not started")
        return self._port

    @property
    def stats(self) -> dict[str, int]:
        """Counts: connections accepted, requests, TLS handshake legs, and per fault how many
        legs got it (`refuse`: how many times the listener closed)."""
        if self._loop is None or self._stopped:
            return self._plan.stats()
        return self._control(self._current_stats)

    def set_fault(self, fault: Fault, *, probability: float = 1.0) -> None:
        """Give each new request `fault` with `probability` from now on; PASS clears (the
        armed faults too, and ends every stall).

        Ending a REFUSE listens again on the same port (retried until the port is free).
        Raises ValueError for a probability outside [0, 1] or REFUSE below 1.
        """
        self._control(lambda: self._set_standing(Fault(fault), probability))

    def arm(self, fault: Fault, *, times: int = 1) -> None:
        """The next `times` requests get `fault` (after any armed before), then the standing
        fault applies again: whichever requests come next, an SDK's background ones included
        (the Cosmos SDK checks its endpoints from a thread of its own).
        Raises ValueError for times below 1 or REFUSE."""
        self._control(lambda: self._arm(Fault(fault), times))

    def outage(self, fault: Fault, seconds: float) -> None:
        """STALL or REFUSE for `seconds` from now, then PASS; returns at once. A change of
        the fault meanwhile cancels the return to PASS. Raises ValueError for another
        fault or a duration that is not positive."""
        if fault not in OUTAGE_FAULTS:
            raise ValueError(f"an outage is STALL or REFUSE, not {fault}")
        if seconds <= 0:
            raise ValueError(f"an outage lasts a positive time, not {seconds}s")
        self._control(lambda: self._begin_outage(Fault(fault), seconds))

    def cut(self) -> None:
        """Reset every open connection, both sides, now."""
        self._control(self._cut_all)

    def __enter__(self) -> FaultProxy:
        return self if self._loop is not None else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- the event loop's side: everything below runs on the proxy's thread ---

    def _control(self, action: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
        """Run `action` on the loop and wait for its result."""
        loop = self._loop
        if loop is None or self._stopped:
            raise RuntimeError(f"proxy {self._name} is not running")
        if threading.current_thread() is self._thread:
            raise RuntimeError("the proxy is controlled from other threads, not its own")
        future: concurrent.futures.Future[_T] = asyncio.run_coroutine_threadsafe(action(), loop)
        return future.result(CONTROL_TIMEOUT_SECONDS)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._accept, self._listen_host, self._port, backlog=LISTEN_BACKLOG
        )
        self._port = int(self._server.sockets[0].getsockname()[1])

    async def _current_stats(self) -> dict[str, int]:
        return self._plan.stats()

    async def _set_standing(self, fault: Fault, probability: float) -> None:
        self._plan.set_standing(fault, probability)
        self._generation += 1
        if self._outage_timer is not None:
            self._outage_timer.cancel()
            self._outage_timer = None
        await self._enter_standing(fault)

    async def _arm(self, fault: Fault, times: int) -> None:
        self._plan.arm(fault, times)

    async def _begin_outage(self, fault: Fault, seconds: float) -> None:
        await self._set_standing(fault, 1.0)
        generation = self._generation
        loop = asyncio.get_running_loop()
        self._outage_timer = loop.call_later(seconds, self._end_outage, generation)
        logger.debug("%s: %s outage for %.1fs", self._name, fault, seconds)

    def _end_outage(self, generation: int) -> None:
        self._outage_timer = None
        self._spawn(self._pass_unless_changed(generation))

    async def _pass_unless_changed(self, generation: int) -> None:
        # Checked here, in the task, not when it was spawned: a fault set in between (a
        # new outage chained to this one) must win over this outage's end.
        if generation == self._generation and not self._stopped:
            logger.debug("%s: outage over", self._name)
            await self._set_standing(Fault.PASS, 1.0)

    async def _enter_standing(self, fault: Fault) -> None:
        if fault is not Fault.STALL:
            for link in [link for link in self._links if link.stalled]:
                link.reset()
        if fault is Fault.REFUSE and not self._refusing:
            self._refusing = True
            self._plan.counts[Fault.REFUSE] += 1
            if self._server is not None:
                self._server.close()
                self._server = None
            self._cut()
            logger.debug("%s: refusing connections", self._name)
        elif fault is not Fault.REFUSE and self._refusing:
            self._refusing = False
            await self._listen_again()

    async def _listen_again(self) -> None:
        try:
            await self._listen()
        except OSError:
            logger.debug("%s: port %s still taken, retrying", self._name, self._port)
            self._relisten_timer = asyncio.get_running_loop().call_later(
                RELISTEN_RETRY_SECONDS, self._retry_listen
            )
            return
        logger.debug("%s: listening again on port %s", self._name, self._port)

    def _retry_listen(self) -> None:
        self._relisten_timer = None
        if not self._refusing and self._server is None and not self._stopped:
            self._spawn(self._listen_again())

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _cut_all(self) -> None:
        self._cut()

    def _cut(self) -> None:
        for link in list(self._links):
            link.reset()

    async def _shut_down(self) -> None:
        for timer in (self._outage_timer, self._relisten_timer):
            if timer is not None:
                timer.cancel()
        if self._server is not None:
            self._server.close()
            self._server = None
        self._cut()
        # The reset connections' tasks end at their next step: let them, rather than
        # cancel them (Python 3.11 logs a cancelled connection task as an error).
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=SHUTDOWN_GRACE_SECONDS)

    def _decide(self, handshake: bool) -> Fault:
        return self._plan.for_handshake() if handshake else self._plan.for_request()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self._plan.counts[STAT_CONNECTIONS] += 1
        name = f"{self._name}#{next(self._link_numbers)}"
        try:
            async with asyncio.timeout(UPSTREAM_CONNECT_TIMEOUT_SECONDS):
                upstream = await asyncio.open_connection(*self._upstream)
        except (OSError, TimeoutError):
            logger.debug("%s: upstream unreachable, client reset", name)
            abort_with_reset(writer.transport)
            return
        link = Link(
            (reader, writer),
            upstream,
            decide=self._decide,
            on_closed=self._links.discard,
            name=name,
        )
        if self._refusing or self._stopped:
            link.reset()
            return
        self._links.add(link)
        await link.run()


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    """The proxy thread: the loop until stopped, then the leftover tasks cancelled."""
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
        leftovers = asyncio.all_tasks(loop)
        for task in leftovers:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
    finally:
        loop.close()
