"""Exactly once on the real emulators: crashes after each step of ProcessMessage and
redeliveries, two deliveries at once, and the storage operations one message costs."""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import azure.functions as func
import pytest
from azure.cosmos import ContainerProxy
from azure.functions.queue import QueueMessage
from azure.storage.queue import QueueClient

import CreateMessage
import ProcessMessage
from shared import bootstrap
from shared.bootstrap import App, build_app
from shared.config import max_dequeue_count
from shared.domain.errors import StorageUnavailableError
from shared.domain.message import MessageStatus
from shared.domain.message_ref import MessageRef
from shared.domain.message_rules import validate_new_message
from shared.domain.service import RateLimit
from shared.services.create_message import create_message
from shared.services.onboarding import create_service, register_citizen
from shared.services.process_message import process_message
from tests.builders import a_service, message_json, random_fiscal_code
from tests.events import function_context

RETENTION = 94608000


class SimulatedCrashError(Exception):
    """The worker died here: nothing after this point ran."""


class CrashAfter:
    """Wraps a port; the `nth` call of `method` completes, then the worker 'dies'."""

    def __init__(self, port: Any, method: str, nth: int = 1) -> None:
        self._port, self._method, self._left = port, method, nth

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._port, name)
        if name != self._method:
            return real

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            result = real(*args, **kwargs)
            self._left -= 1
            if self._left == 0:
                raise SimulatedCrashError(f"crash after {name}")
            return result

        return wrapped


@pytest.fixture
def app(local_stack) -> App:
    return build_app(local_stack.settings)


def _accepted(app: App, fiscal_code: str) -> MessageRef:
    accepted = create_message(
        a_service(),
        *validate_new_message(fiscal_code, message_json()),
        messages=app.messages,
        queue=_NoQueue(),
        idempotency=app.idempotency,
        attachments=app.attachments,
        clock=app.clock,
    )
    return MessageRef(message_id=accepted.message.id, fiscal_code=fiscal_code)


class _NoQueue:
    def send(self, ref: MessageRef) -> None:
        return None

    def oldest_waiting(self) -> None:
        return None


def _process(app: App, ref: MessageRef, **ports: Any) -> MessageStatus | None:
    chosen = {
        "messages": app.messages,
        "profiles": app.profiles,
        "attachments": app.attachments,
        "clock": app.clock,
        **ports,
    }
    return process_message(ref, rejected_retention_seconds=RETENTION, **chosen)


def _documents(local_stack, ref: MessageRef) -> list[dict[str, Any]]:
    """Every stored document with this id in the recipient's partition (the inbox)."""
    container = build_app(local_stack.settings).messages._container  # type: ignore[attr-defined]
    return list(
        container.query_items(
            "SELECT * FROM c WHERE c.fiscal_code = @fc AND c.id = @id",
            parameters=[
                {"name": "@fc", "value": ref.fiscal_code},
                {"name": "@id", "value": ref.message_id},
            ],
        )
    )


CRASH_POINTS = [
    ("messages", "get", 1),  # after reading the ACCEPTED record
    ("profiles", "get", 1),  # after reading the recipient's profile
    ("messages", "replace", 1),  # after writing the decision, before the queue ack
]


@pytest.mark.parametrize("crash_point", CRASH_POINTS, ids=lambda p: f"{p[0]}.{p[1]}")
@pytest.mark.parametrize("registered", [True, False], ids=["registered", "unknown"])
def test_a_crash_after_any_step_then_redelivery_ends_in_one_entry_and_one_decision(
    local_stack, app, crash_point, registered
):
    port, method, nth = crash_point
    # GIVEN an accepted message, for a registered citizen or an unknown one
    fiscal_code = random_fiscal_code()
    if registered:
        register_citizen(fiscal_code, profiles=app.profiles)
    ref = _accepted(app, fiscal_code)
    # WHEN the worker dies right after this step, and the queue delivers the reference again
    crashing = {port: CrashAfter(getattr(app, port), method, nth)}
    with pytest.raises(SimulatedCrashError):
        _process(app, ref, **crashing)
    final = _process(app, ref)
    _process(app, ref)  # and once more, as at-least-once delivery may
    # THEN one document, one terminal status, reached exactly once
    expected = MessageStatus.PROCESSED if registered else MessageStatus.REJECTED
    assert final is expected
    (document,) = _documents(local_stack, ref)
    assert document["status"] == expected
    history = [change["status"] for change in document["status_history"]]
    assert history == ["ACCEPTED", expected]


def test_two_deliveries_at_once_decide_once(local_stack, app):
    fiscal_code = random_fiscal_code()
    register_citizen(fiscal_code, profiles=app.profiles)
    for _ in range(5):
        ref = _accepted(app, fiscal_code)
        barrier = threading.Barrier(2)

        def deliver(_: int, ref: MessageRef = ref, barrier: threading.Barrier = barrier) -> Any:
            barrier.wait()
            return _process(app, ref)

        with ThreadPoolExecutor(2) as pool:
            statuses = list(pool.map(deliver, range(2)))
        assert statuses == [MessageStatus.PROCESSED, MessageStatus.PROCESSED]
        (document,) = _documents(local_stack, ref)
        assert [c["status"] for c in document["status_history"]] == ["ACCEPTED", "PROCESSED"]


def test_rejected_documents_carry_a_cosmos_ttl_and_processed_ones_do_not(local_stack, app):
    registered = random_fiscal_code()
    register_citizen(registered, profiles=app.profiles)
    processed, rejected = _accepted(app, registered), _accepted(app, random_fiscal_code())
    _process(app, processed)
    _process(app, rejected)
    assert "ttl" not in _documents(local_stack, processed)[0]
    assert _documents(local_stack, rejected)[0]["ttl"] == RETENTION


# --- the last attempt, at the function level -------------------------------------------------


@pytest.fixture
def unavailable_profiles(monkeypatch) -> None:
    """Cosmos answers 503 to every profile read, whatever the attempt."""

    def down(fiscal_code: str) -> None:
        raise StorageUnavailableError("Cosmos DB answered 503")

    monkeypatch.setattr(bootstrap.app().profiles, "get", down)


def _delivery(ref: MessageRef, attempt: int) -> QueueMessage:
    return QueueMessage(id=uuid.uuid4().hex, body=ref.to_json().encode(), dequeue_count=attempt)


def test_a_failing_attempt_before_the_last_raises_and_leaves_the_message_accepted(
    local_stack, app, unavailable_profiles
):
    ref = _accepted(app, random_fiscal_code())
    with pytest.raises(StorageUnavailableError):
        ProcessMessage.main(
            _delivery(ref, attempt=max_dequeue_count() - 1), function_context("ProcessMessage")
        )
    assert app.messages.get(ref.fiscal_code, ref.message_id).status is MessageStatus.ACCEPTED


def test_the_last_failing_attempt_marks_the_message_failed_before_it_is_poisoned(
    local_stack, app, unavailable_profiles
):
    ref = _accepted(app, random_fiscal_code())
    with pytest.raises(StorageUnavailableError):
        ProcessMessage.main(
            _delivery(ref, attempt=max_dequeue_count()), function_context("ProcessMessage")
        )
    stored = app.messages.get(ref.fiscal_code, ref.message_id)
    assert (stored.status, stored.failure_reason) == ("FAILED", "RETRIES_EXHAUSTED")


# --- what one message costs --------------------------------------------------------------------

COSMOS_WRITES = ("create_item", "replace_item", "upsert_item", "patch_item", "delete_item")
COSMOS_READS = ("read_item", "query_items")


@pytest.fixture
def storage_calls(monkeypatch) -> Counter[str]:
    """Counts every Cosmos DB and queue SDK call made in this process."""
    calls: Counter[str] = Counter()

    def counting(kind: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[kind] += 1
            return real(*args, **kwargs)

        return wrapper

    for name in COSMOS_WRITES:
        monkeypatch.setattr(
            ContainerProxy, name, counting("cosmos_write", getattr(ContainerProxy, name))
        )
    for name in COSMOS_READS:
        monkeypatch.setattr(
            ContainerProxy, name, counting("cosmos_read", getattr(ContainerProxy, name))
        )
    monkeypatch.setattr(
        QueueClient, "send_message", counting("queue_send", QueueClient.send_message)
    )
    return calls


def test_accept_process_and_push_cost_5_writes_2_reads_2_sends_with_warm_caches(
    local_stack, storage_calls
):
    # GIVEN a service whose key is already in the worker's cache, and a registered citizen
    app = bootstrap.app()
    created = create_service(
        name="Anagrafe",
        organization_name="Comune",
        organization_fiscal_code="01234567890",
        # An hour-long window: the quota leased by the first call still covers the second
        # (a 5 s window could roll over in between and cost a new lease).
        rate_limit=RateLimit(requests=1000, window_seconds=3600),
        services=app.services,
        api_keys=app.api_keys,
    )
    fiscal_code = random_fiscal_code()
    register_citizen(fiscal_code, profiles=app.profiles)
    headers = {"Ocp-Apim-Subscription-Key": created.primary_key, "Content-Type": "application/json"}

    def post() -> func.HttpResponse:
        return CreateMessage.main(
            func.HttpRequest(
                "POST",
                f"http://localhost/api/v1/messages/{fiscal_code}",
                headers=headers,
                route_params={"fiscal_code": fiscal_code},
                body=message_json(),
            ),
            function_context("CreateMessage"),
        )

    # The first message warms the service caches (by key, and by id for ProcessMessage) and
    # leases rate quota.
    first = post()
    assert first.status_code == 201
    warm = MessageRef(message_id=json.loads(first.get_body())["id"], fiscal_code=fiscal_code)
    ProcessMessage.main(_delivery(warm, attempt=1), function_context("ProcessMessage"))
    storage_calls.clear()
    # WHEN one message is accepted and processed
    response = post()
    ref = MessageRef(message_id=json.loads(response.get_body())["id"], fiscal_code=fiscal_code)
    ProcessMessage.main(_delivery(ref, attempt=1), function_context("ProcessMessage"))
    # THEN the storage operations stay within the budget
    processed = app.messages.get(fiscal_code, ref.message_id)
    assert processed is not None
    assert processed.status is MessageStatus.PROCESSED
    counted = dict(storage_calls)
    counted["cosmos_read"] -= 1  # the assertion's own read just above
    assert processed.pushed_at is not None
    assert processed.outbox == ()
    # The rate counter costs one write per block of 10 calls (0.1 per message), not here.
    # The second send is the push (the local push queue): ProcessMessage claims it in the
    # decision's write and pushes it right after, then removes it (the third write). Two of
    # the writes are the sender's index entry, at acceptance and at the decision
    # (docs/scaling.md, "Each service's index of its messages").
    assert counted == {"cosmos_write": 5, "cosmos_read": 2, "queue_send": 2}


def test_idempotency_records_carry_the_rejected_retention_as_their_ttl(local_stack, app):
    create_message(
        a_service(),
        *validate_new_message(random_fiscal_code(), message_json()),
        idempotency_key=uuid.uuid4().hex,
        messages=app.messages,
        queue=_NoQueue(),
        idempotency=app.idempotency,
        attachments=app.attachments,
        clock=app.clock,
    )
    container = app.idempotency._container
    documents = list(container.query_items("SELECT * FROM c", enable_cross_partition_query=True))
    assert documents
    assert {document["ttl"] for document in documents} == {
        local_stack.settings.rejected_retention_seconds
    }
