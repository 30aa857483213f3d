"""The faults of a chaos run, on a timeline, played on a FaultyStack from two threads.

The *outages and kills* follow a plan: a normal lead, a queue outage (connections refused
for the first half, a black hole for the second), a normal gap, a Cosmos DB outage of the
same length (a black hole, then refused), and normal gaps; each host kill (SIGKILL, then a
restart) falls inside a normal gap, never during an outage. Meanwhile the *light faults*
change every couple of seconds on each proxy not in an outage: a few percent of its
requests are reset before being sent, reset after landing, or stalled until the next
change; and now and then every connection of one proxy is cut.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from enum import StrEnum

from infra.local.faults.proxy import Fault
from infra.local.faults.stack import FaultyStack, Store
from infra.local.faults.timeline import KILL_TAIL_SECONDS, PhaseKind, PhaseLog
from infra.local.host_process import HostStartError

logger = logging.getLogger(__name__)

MIN_GAP_SECONDS = 15.0
LIGHT_TICK_SECONDS = 2.0
CUT_EVERY_SECONDS = (10.0, 30.0)
# How long the host stays dead before the restart begins.
KILL_DOWN_SECONDS = 2.0
RESTART_ATTEMPTS = 3
OUTAGE_OVERLAP_SECONDS = 5.0
LIGHT_FAULTS = (Fault.RESET_BEFORE, Fault.RESET_AFTER, Fault.STALL)


class StepKind(StrEnum):
    NORMAL = "normal"
    QUEUE_OUTAGE = "queue outage"
    COSMOS_OUTAGE = "cosmos outage"


@dataclass(frozen=True)
class Step:
    """A stretch of the plan; `kill_after` seconds into a normal one, the host is killed."""

    kind: StepKind
    seconds: float
    kill_after: float | None = None


def plan(outage_seconds: float, kills: int, rng: random.Random) -> list[Step]:
    """lead, queue outage, gap, Cosmos outage, gap, then one gap per kill left; the kills
    go into the gaps after the lead, one each."""
    gap = max(MIN_GAP_SECONDS, outage_seconds / 3)

    def normal(with_kill: bool) -> Step:
        kill_after = gap * rng.uniform(0.3, 0.6) if with_kill else None
        return Step(StepKind.NORMAL, gap, kill_after)

    left = kills
    steps = [normal(False)]
    for outage in (StepKind.QUEUE_OUTAGE, StepKind.COSMOS_OUTAGE):
        if outage_seconds > 0:
            steps.append(Step(outage, outage_seconds))
        steps.append(normal(left > 0))
        left = max(left - 1, 0)
    steps += [normal(True) for _ in range(left)]
    return steps


def planned_seconds(steps: list[Step]) -> float:
    return sum(step.seconds for step in steps)


@dataclass(frozen=True)
class Event:
    """Something the scenario did, `at` seconds (monotonic)."""

    at: float
    what: str


class FaultScenario:
    """Plays `steps` on `stack` from `start`; the light faults go on after the plan ends,
    until `stop`."""

    def __init__(
        self,
        stack: FaultyStack,
        steps: list[Step],
        *,
        phases: PhaseLog,
        fault_rate: float,
        rng: random.Random,
    ) -> None:
        self._stack = stack
        self._steps = steps
        self._phases = phases
        self._fault_rate = fault_rate
        self._rng = rng
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # held while a proxy's fault changes
        self._in_outage: set[Store] = set()
        self._events: list[Event] = []
        self._threads = [
            threading.Thread(target=self._play, name="scenario", daemon=True),
            threading.Thread(target=self._light_faults, name="light-faults", daemon=True),
        ]
        self.kills = 0
        self.host_down_seconds: list[float] = []

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """End the plan where it is (an outage ends, a restart completes) and the light
        faults; every proxy is back to PASS when this returns."""
        self._stopping.set()
        for thread in self._threads:
            thread.join()

    @property
    def events(self) -> list[Event]:
        with self._lock:
            return list(self._events)

    def _note(self, what: str) -> None:
        logger.info("%s", what)
        with self._lock:
            self._events.append(Event(time.monotonic(), what))

    def _sleep(self, seconds: float) -> bool:
        """Sleep; False when stopped meanwhile."""
        return not self._stopping.wait(max(seconds, 0.0))

    # --- the plan ---

    def _play(self) -> None:
        for step in self._steps:
            if self._stopping.is_set():
                return
            if step.kind is StepKind.NORMAL:
                self._normal(step)
            elif step.kind is StepKind.QUEUE_OUTAGE:
                self._outage(
                    Store.QUEUE, PhaseKind.QUEUE_OUTAGE, (Fault.REFUSE, Fault.STALL), step.seconds
                )
            else:
                self._outage(
                    Store.COSMOS,
                    PhaseKind.COSMOS_OUTAGE,
                    (Fault.STALL, Fault.REFUSE),
                    step.seconds,
                )

    def _normal(self, step: Step) -> None:
        if step.kill_after is None:
            self._sleep(step.seconds)
            return
        began = time.monotonic()
        if not self._sleep(step.kill_after):
            return
        self._kill_and_restart()
        self._sleep(step.seconds - (time.monotonic() - began))

    def _kill_and_restart(self) -> None:
        killed = time.monotonic()
        handle = self._phases.begin(PhaseKind.KILL, killed)
        self._stack.kill()
        self.kills += 1
        self._note(f"host killed (kill {self.kills})")
        self._stopping.wait(KILL_DOWN_SECONDS)  # a stop must still find the host running
        for attempt in range(1, RESTART_ATTEMPTS + 1):
            try:
                self._stack.restart()
                break
            except HostStartError as exc:
                self._note(f"host restart {attempt} failed: {exc}")
                if attempt == RESTART_ATTEMPTS:
                    raise
        ready = time.monotonic()
        self.host_down_seconds.append(ready - killed)
        self._note(f"host restarted, {ready - killed:.1f}s after the kill")
        self._phases.end(handle, ready + KILL_TAIL_SECONDS)

    def _outage(
        self, store: Store, kind: PhaseKind, faults: tuple[Fault, Fault], seconds: float
    ) -> None:
        proxy = self._stack.proxy(store)
        half = seconds / 2
        with self._lock:
            self._in_outage.add(store)
        handle = self._phases.begin(kind, time.monotonic(), note=f"{seconds:.0f}s")
        try:
            for number, fault in enumerate(faults):
                # The first half is given longer than it lasts: the second replaces it
                # before it could end on its own (an outage ending just as the next
                # begins can win, leaving the proxy passing).
                overlap = OUTAGE_OVERLAP_SECONDS if number < len(faults) - 1 else 0.0
                with self._lock:
                    proxy.outage(fault, half + overlap)
                self._note(f"{store} outage: {fault} for {half:.0f}s")
                if not self._sleep(half):
                    break
        finally:
            with self._lock:
                proxy.set_fault(Fault.PASS)
                self._in_outage.discard(store)
            self._phases.end(handle, time.monotonic())
            self._note(f"{store} outage over")

    # --- the light faults ---

    def _light_faults(self) -> None:
        next_cut = time.monotonic() + self._rng.uniform(*CUT_EVERY_SECONDS)
        while not self._stopping.is_set():
            with self._lock:
                for store, proxy in self._stack.proxies.items():
                    if store in self._in_outage:
                        continue
                    fault = self._rng.choice(LIGHT_FAULTS)
                    proxy.set_fault(fault, probability=self._fault_rate)
                if time.monotonic() >= next_cut:
                    candidates = [s for s in self._stack.proxies if s not in self._in_outage]
                    if candidates:
                        store = self._rng.choice(candidates)
                        self._stack.proxy(store).cut()
                        self._events.append(Event(time.monotonic(), f"{store}: connections cut"))
                    next_cut = time.monotonic() + self._rng.uniform(*CUT_EVERY_SECONDS)
            self._stopping.wait(LIGHT_TICK_SECONDS)
        with self._lock:
            for store, proxy in self._stack.proxies.items():
                if store not in self._in_outage:
                    proxy.set_fault(Fault.PASS)
