"""The accept floor made from several processes: the bare SDK calls of acceptance (a Cosmos
create and a queue send per message) spread over processes of their own, each with its
share of the threads and its own clients, so the floor is not held to one interpreter lock
when the app it is compared with runs in several worker processes.

The processes live as long as the floor: they start once (imports, clients), are warmed by
the warm-up round like the threads of a floor in one process, and each round only hands
each process its share of the messages. The CPU they spend is reported with the round, since
this process's own CPU clock does not see it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from bench.storage_floor import (
    MAX_KEPT_ERRORS,
    FloorPhase,
    StorageFloor,
    ensure_floor_container,
)
from shared.config import Settings

# A process that has not answered a round in this long is stuck: the round fails.
ROUND_TIMEOUT_SECONDS = 300.0
START_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class _Share:
    """What one process's answer to a round says."""

    failures: int
    errors: list[str]
    cpu_seconds: float


@dataclass(frozen=True)
class _Setup:
    """What a floor process builds its clients from."""

    settings: Settings
    queue_name: str
    template: dict[str, Any]
    partition: str
    threads: int


def _serve(connection: Connection, setup: _Setup) -> None:
    """A floor process: accept each share of messages it is handed, until handed None."""
    floor = StorageFloor(
        setup.settings,
        queue_name=setup.queue_name,
        template=setup.template,
        partition=setup.partition,
        concurrency=setup.threads,
        batch_size=1,  # this floor only accepts
    )
    connection.send("ready")
    while (count := connection.recv()) is not None:
        began = time.process_time()
        phase = floor.accept(count) if count else FloorPhase(0, 0.0)
        connection.send(_Share(phase.failures, phase.errors, time.process_time() - began))


def shares(count: int, parts: int) -> list[int]:
    """`count` split into `parts` shares that differ by at most one."""
    return [count // parts + (1 if index < count % parts else 0) for index in range(parts)]


class AcceptProcesses:
    """`processes` floor processes that accept messages side by side, `concurrency`
    threads in all."""

    def __init__(
        self,
        settings: Settings,
        *,
        queue_name: str,
        template: dict[str, Any],
        partition: str,
        processes: int,
        concurrency: int,
    ) -> None:
        if processes < 2 or concurrency < processes:
            raise ValueError("needs at least 2 processes and a thread for each")
        ensure_floor_container(settings)  # once here, not raced by the processes
        context = multiprocessing.get_context("spawn")
        self._connections: list[Connection] = []
        self._processes: list[Any] = []
        for threads in shares(concurrency, processes):
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_serve,
                args=(theirs, _Setup(settings, queue_name, template, partition, threads)),
                daemon=True,
            )
            process.start()
            theirs.close()
            self._connections.append(ours)
            self._processes.append(process)
        try:
            for connection in self._connections:
                if not connection.poll(START_TIMEOUT_SECONDS) or connection.recv() != "ready":
                    raise RuntimeError("a floor process did not start")
        except BaseException:
            self.close()
            raise

    def accept(self, count: int) -> FloorPhase:
        """`count` messages accepted over the processes; the phase's time is from handing
        out the shares to the last process's answer."""
        began = time.perf_counter()
        for connection, share in zip(
            self._connections, shares(count, len(self._connections)), strict=True
        ):
            connection.send(share)
        answers: list[_Share] = []
        for connection in self._connections:
            if not connection.poll(ROUND_TIMEOUT_SECONDS):
                raise RuntimeError(f"a floor process did not answer in {ROUND_TIMEOUT_SECONDS} s")
            answers.append(connection.recv())
        seconds = time.perf_counter() - began
        return FloorPhase(
            count,
            seconds,
            failures=sum(answer.failures for answer in answers),
            errors=[error for answer in answers for error in answer.errors][:MAX_KEPT_ERRORS],
            other_processes_cpu_seconds=sum(answer.cpu_seconds for answer in answers),
        )

    def running(self) -> int:
        """How many of the floor's processes are alive."""
        return sum(process.is_alive() for process in self._processes)

    def close(self) -> None:
        for connection in self._connections:
            with contextlib.suppress(OSError):  # that process is gone already
                connection.send(None)
        for process in self._processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()
        for connection in self._connections:
            connection.close()
