"""The dispatch benchmarks' world on one stack: services whose callbacks go to a local
receiver, citizens who want new-message pushes, PROCESSED messages each holding one pending
event in its outbox (as ProcessMessage stores them), their references on the events queue,
and the offline host running DispatchEvent alone (every other queue and timer function
disabled, so nothing else competes for its worker).

Each message holds one event, so one dispatch makes a fixed set of storage calls. A message
ProcessMessage decides often holds two (its push and its `message.processed` callback),
whose dispatches may race on the message's etag and then read and write it once more each;
that cost is not in these figures."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from azure.cosmos import DatabaseProxy
from azure.storage.queue import QueueClient

from bench import bare_sdk
from bench.callback_receiver import CallbackReceiver
from bench.pipeline_stack import (
    BenchStack,
    RunningHost,
    register_citizens,
    register_sender,
    running_host,
)
from infra.local.emulators import PROJECT_ROOT
from shared.adapters.cosmos_messages import CosmosMessageRepository
from shared.adapters.secret_box import SecretBox
from shared.adapters.system_clock import SystemClock
from shared.bootstrap import App, build_app
from shared.domain.events import EventRef, EventType, new_event
from shared.domain.message import FeatureLevel, Message, MessageContent
from shared.domain.message_id import new_message_id
from shared.services.callback_admin import set_callback
from shared.storage_layout import ContainerName, QueueName

DISPATCH_FUNCTION = "DispatchEvent"
EVENTS_QUEUE: str = QueueName.EVENTS
SUBJECT = "Benchmark of the events dispatcher"
MARKDOWN = "A message whose events the benchmark dispatches. " * 4
# Threads that write the messages and send the references (not timed).
SETUP_THREADS = 8
# References are sent invisible until one moment, so the backlog appears at once: this much
# time per reference to send them all, plus a margin.
SEND_SECONDS_PER_REFERENCE = 1 / 150
RELEASE_MARGIN_SECONDS = 1.0


def worker_threads(cpu_count: int) -> int:
    """How many invocations one worker process runs at once: its thread pool has no
    PYTHON_THREADPOOL_THREAD_COUNT here, so it is Python's default ThreadPoolExecutor."""
    return min(32, cpu_count + 4)


def _functions_other_than_dispatch() -> list[str]:
    """Every queue- or timer-triggered function but DispatchEvent (HTTP ones sit idle)."""
    names = []
    for config in sorted(PROJECT_ROOT.glob("*/function.json")):
        bindings = json.loads(config.read_text(encoding="utf-8"))["bindings"]
        trigger = next(b["type"] for b in bindings if b.get("direction") == "in")
        if trigger != "httpTrigger" and config.parent.name != DISPATCH_FUNCTION:
            names.append(config.parent.name)
    return names


def dispatch_only(stack: BenchStack) -> BenchStack:
    """`stack` with every queue and timer function but DispatchEvent disabled in the host."""
    disabled = {
        f"AzureWebJobs.{name}.Disabled": "true" for name in _functions_other_than_dispatch()
    }
    return replace(stack, app_settings={**stack.app_settings, **disabled})


@dataclass(frozen=True)
class CallbackService:
    service_id: str
    # The receiver's path its callback POSTs to.
    path: str


@dataclass
class DispatchWorld:
    """One stack's app, receiver, services and citizens. `messages` is the app's message
    repository over a bare SDK client: the benchmark's own writes and reads go through it,
    with the SDK's timeouts and retries, so a loaded machine's slow answer never trips the
    app's circuit breakers in this process."""

    stack: BenchStack
    app: App
    messages: CosmosMessageRepository
    receiver: CallbackReceiver
    citizens: list[str]

    def callback_service(self, path: str) -> CallbackService:
        """A new Premium service whose callback POSTs to `path` on the receiver."""
        sender = register_sender(self.stack)
        set_callback(
            sender.service_id,
            self.receiver.url(path),
            services=self.app.services,
            sealer=SecretBox.from_setting(self.stack.settings.callback_secrets_key),
            clock=SystemClock(),
            allow_loopback_http=True,
        )
        return CallbackService(sender.service_id, path)

    def message_with_event(self, service_id: str, index: int, kind: EventType) -> Message:
        """A PROCESSED message of `service_id` to a citizen, holding one pending event of
        `kind` that occurred now."""
        now = SystemClock().now()
        message = Message.accepted(
            id=new_message_id(now),
            fiscal_code=self.citizens[index % len(self.citizens)],
            sender_service_id=service_id,
            now=now,
            time_to_live=3600,
            content=MessageContent(subject=SUBJECT, markdown=MARKDOWN),
            feature_level_type=FeatureLevel.ADVANCED,
        ).processed(now)
        return message.with_events(new_event(kind, now))

    def store(self, messages: list[Message]) -> list[Message]:
        """Write `messages` (not timed); the stored ones, in order."""
        with ThreadPoolExecutor(SETUP_THREADS) as pool:
            return list(pool.map(self.messages.add, messages))


def bare_queue(stack: BenchStack, queue_name: str) -> QueueClient:
    """The bare SDK's client of `queue_name` (bench.bare_sdk)."""
    return bare_sdk.bare_queue(stack.settings, queue_name)


def bare_database(stack: BenchStack) -> DatabaseProxy:
    """The bare SDK's client of the app's database (bench.bare_sdk)."""
    return bare_sdk.bare_database(stack.settings)


def event_refs(messages: list[Message]) -> list[EventRef]:
    return [
        EventRef(message_id=m.id, fiscal_code=m.fiscal_code, event_id=event.id)
        for m in messages
        for event in m.outbox
    ]


def send_released_together(stack: BenchStack, queue_name: str, refs: list[EventRef]) -> float:
    """Send `refs` to `queue_name`, each invisible until about one moment (whole seconds,
    as the queue counts them), so a consumer finds the whole backlog at once; that moment
    (time.time())."""
    release = time.time() + len(refs) * SEND_SECONDS_PER_REFERENCE + RELEASE_MARGIN_SECONDS
    clients = [bare_queue(stack, queue_name) for _ in range(SETUP_THREADS)]

    def send(share: int) -> None:
        client = clients[share]
        for ref in refs[share::SETUP_THREADS]:
            delay = max(0, math.ceil(release - time.time()))
            client.send_message(ref.to_json(), visibility_timeout=delay or None)

    with ThreadPoolExecutor(SETUP_THREADS) as pool:
        list(pool.map(send, range(SETUP_THREADS)))
    return release


def queue_length(stack: BenchStack, queue_name: str) -> int:
    properties = bare_queue(stack, queue_name).get_queue_properties()
    return properties.approximate_message_count or 0


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition()` every 0.1 s until it is true. Raises TimeoutError naming `what`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:g} s")
        time.sleep(0.1)


@contextmanager
def dispatch_world(stack: BenchStack, citizens: int) -> Iterator[DispatchWorld]:
    """The app on `stack`, a receiver, and `citizens` registered citizens."""
    with CallbackReceiver() as receiver:
        container = bare_database(stack).get_container_client(ContainerName.MESSAGES)
        yield DispatchWorld(
            stack=stack,
            app=build_app(stack.settings),
            messages=CosmosMessageRepository(container),
            receiver=receiver,
            citizens=register_citizens(stack, citizens),
        )


@contextmanager
def dispatching_host(stack: BenchStack, log: Path) -> Iterator[RunningHost]:
    """The offline host with DispatchEvent as its only queue or timer function."""
    with running_host(
        dispatch_only(stack),
        messages_queue=stack.settings.messages_queue,
        log=log,
        process_messages=False,
    ) as host:
        yield host
