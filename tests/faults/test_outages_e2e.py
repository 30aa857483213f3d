"""The app under real faults: outages, lost replies and a kill -9, over HTTP through the
offline host, with a TCP fault proxy in front of each store (infra.local.faults).

One stack serves the module; each test gets its own service, so each audits only its own
messages, and starts with every fault cleared and the host running.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from infra.local.faults.audit import Answer, AuditReport, Send
from infra.local.faults.markers import new_marker
from infra.local.faults.proxy import Fault
from infra.local.faults.sender import (
    INSTITUTION_KEY_HEADER,
    OUTCOME_UNKNOWN,
    PROBLEM_JSON,
    Attempt,
    CarefulSender,
    Outbound,
    SendResult,
    message_body,
)
from infra.local.faults.stack import FaultyStack, ServiceAccount, Store
from infra.local.faults.store_reads import audit_stores, count_accepted
from shared.adapters.push_queue import push_from_json
from shared.adapters.queues import queue_client
from shared.bootstrap import build_app
from shared.domain.message import Message, MessageStatus
from shared.domain.message_ref import MessageRef
from shared.domain.message_rules import validate_new_message
from shared.domain.push import Push, ReminderKind
from shared.services.create_message import create_message

pytestmark = pytest.mark.emulators

GRACE_SECONDS = 5
SWEEP_EVERY_5_SECONDS = "*/5 * * * * *"
CLIENTS = 4
# DispatchEvent's queue batch (host.json batchSize): the events one host delivers at once.
DISPATCH_BATCH = 16
OUTAGE_HALF_SECONDS = 10.0
POST_PROMISE_SECONDS = 5.0
GET_PROMISE_SECONDS = 1.0
# After an outage: the host's queue listener backs off for up to ~30 s, then the sweeper
# (grace 5 s, every 5 s) re-sends what was never queued.
SETTLE_SECONDS = 90.0
PAUSE_BETWEEN_SENDS = 0.2
# Test e: the share of requests to each store that land and lose their reply (the queues
# get fewer requests: a larger share), for how long, and how many lost from each store for
# the test to count.
LOST_REPLY_SHARES = {Store.COSMOS: 0.05, Store.QUEUE: 0.1}
LOSING_SECONDS = 4.0
MIN_LOST_REPLIES = 3


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultyStack]:
    log_dir = Path(tmp_path_factory.mktemp("fault-stack"))
    with FaultyStack(
        grace_seconds=GRACE_SECONDS,
        sweeper_schedule=SWEEP_EVERY_5_SECONDS,
        citizens=CLIENTS * 2,
        log_dir=log_dir,
        seed=7,
    ) as running:
        yield running


@pytest.fixture
def service(stack: FaultyStack) -> ServiceAccount:
    """A service of this test's own, on a stack with no fault and the host running."""
    stack.clear_faults()
    if not stack.host_running:
        stack.restart()
    return stack.new_service()


# --- helpers ---


@dataclass(frozen=True)
class Sent:
    """One single-attempt POST: the message, the attempt, its answer, when it ended."""

    outbound: Outbound
    attempt: Attempt
    response: requests.Response | None
    ended: float


def _in_threads(count: int, work: Callable[[int], None]) -> list[threading.Thread]:
    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    return threads


def _send_until(stack: FaultyStack, service: ServiceAccount, stop: threading.Event) -> list[Sent]:
    """CLIENTS threads POST new messages (each with its key), once each, until `stop`."""
    sent: list[Sent] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        sender = CarefulSender(stack.base_url, service.api_key)
        citizen = stack.citizens[number % len(stack.citizens)]
        while not stop.is_set():
            outbound = Outbound.new(citizen, expected_status=MessageStatus.PROCESSED)
            attempt, response = sender.post_once(outbound)
            with lock:
                sent.append(Sent(outbound, attempt, response, time.monotonic()))
            stop.wait(PAUSE_BETWEEN_SENDS)
        sender.close()

    threads = _in_threads(CLIENTS, client)
    stop.wait()
    for thread in threads:
        thread.join()
    return sent


def _as_send(sent: Sent) -> Send:
    """The audit's view of a single-attempt POST."""
    response = sent.response
    if response is not None and response.status_code == 201:
        return Send(
            marker=sent.outbound.marker,
            idempotency_key=sent.outbound.idempotency_key,
            answer=Answer.CREATED,
            message_id=str(response.json()["id"]),
            status_code=201,
            expected_status=sent.outbound.expected_status,
        )
    return Send(
        marker=sent.outbound.marker,
        idempotency_key=sent.outbound.idempotency_key,
        answer=Answer.GAVE_UP,
        status_code=sent.attempt.status,
    )


def _settle_and_audit(
    stack: FaultyStack, service: ServiceAccount, sends: list[Send]
) -> AuditReport:
    """Wait until none of the service's messages is ACCEPTED, then audit them."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while count_accepted(stack.settings, [service.service_id]) and time.monotonic() < deadline:
        time.sleep(1)
    return audit_stores(stack.settings, sends, [service.service_id])


def _new_message_pushes_once_delivered(
    stack: FaultyStack, message_ids: list[str | None]
) -> dict[str, list[Push]]:
    """Wait until none of the messages has an event left to deliver (a killed host's claims
    expire and are relayed), then take the new-message pushes of each from the push queue."""
    app = build_app(stack.settings)
    deadline = time.monotonic() + SETTLE_SECONDS
    for message_id in message_ids:
        assert message_id is not None
        while (message := app.messages.find(message_id)) is None or message.outbox:
            assert time.monotonic() < deadline, f"message {message_id} still has events"
            time.sleep(0.5)
    client = queue_client(stack.settings.storage, app.settings.push_queue)
    pushes: dict[str, list[Push]] = defaultdict(list)
    while batch := list(client.receive_messages(max_messages=32, visibility_timeout=60)):
        for queued in batch:
            push = push_from_json(queued.content)
            if push.kind is ReminderKind.NEW_MESSAGE:
                pushes[push.message_id].append(push)
            client.delete_message(queued)
    return pushes


def _send_each(stack: FaultyStack, service: ServiceAccount, count: int) -> list[SendResult]:
    """CLIENTS threads send `count` messages each, each message with its own key, sent again
    until answered (CarefulSender), a pause between two."""
    results: list[SendResult] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        sender = CarefulSender(stack.base_url, service.api_key, give_up_after=60)
        citizen = stack.citizens[number % len(stack.citizens)]
        for _ in range(count):
            result = sender.send(Outbound.new(citizen, expected_status=MessageStatus.PROCESSED))
            with lock:
                results.append(result)
            time.sleep(PAUSE_BETWEEN_SENDS)
        sender.close()

    for thread in _in_threads(CLIENTS, client):
        thread.join()
    return results


def _all_created(results: list[SendResult]) -> list[Send]:
    sends = [result.send for result in results]
    assert all(send.answer is Answer.CREATED for send in sends), [
        (s.answer, s.status_code) for s in sends if s.answer is not Answer.CREATED
    ]
    return sends


def _assert_exactly_once_and_processed(report: AuditReport, created: int) -> None:
    assert report.clean, report.format_table()
    assert report.by_status == {MessageStatus.PROCESSED.value: created}, report.format_table()
    assert report.documents == created, report.format_table()


def _get_status(
    stack: FaultyStack, service: ServiceAccount, fiscal_code: str, message_id: str
) -> tuple[int | None, float]:
    """The status code of a status request (None: a transport error), and its seconds."""
    started = time.monotonic()
    try:
        response = requests.get(
            f"{stack.base_url}/api/v1/messages/{fiscal_code}/{message_id}",
            headers={INSTITUTION_KEY_HEADER: service.api_key},
            timeout=10,
        )
    except requests.RequestException:
        return None, time.monotonic() - started
    return response.status_code, time.monotonic() - started


# --- the tests ---


def test_a_queue_outage_still_accepts_every_message_and_delivers_it_afterwards(
    stack: FaultyStack, service: ServiceAccount
) -> None:
    # GIVEN a message delivered before the outage, whose status the sender keeps asking
    sender = CarefulSender(stack.base_url, service.api_key)
    first = Outbound.new(stack.citizens[0], expected_status=MessageStatus.PROCESSED)
    before = sender.send(first)
    assert before.send.answer is Answer.CREATED
    queue = stack.proxy(Store.QUEUE)
    counted = queue.stats
    stop = threading.Event()
    gets: list[tuple[int | None, float]] = []

    def probe(_: int) -> None:
        while not stop.wait(0.2):
            gets.append(_get_status(stack, service, first.fiscal_code, str(before.send.message_id)))

    # WHEN the queue refuses connections for 10 s, then swallows them for 10 s, while 4
    # clients send
    # (the refusal is set to outlast its half: the black hole replaces it, rather than
    # race with its end)
    queue.outage(Fault.REFUSE, OUTAGE_HALF_SECONDS + 5)
    probes = _in_threads(1, probe)
    timer = threading.Timer(OUTAGE_HALF_SECONDS, queue.outage, (Fault.STALL, OUTAGE_HALF_SECONDS))
    threading.Timer(2 * OUTAGE_HALF_SECONDS, stop.set).start()
    timer.start()
    sent = _send_until(stack, service, stop)
    probes[0].join()
    queue.set_fault(Fault.PASS)

    # THEN the queue was out both ways (refused, and then black-holed)
    assert queue.stats[Fault.REFUSE] > counted[Fault.REFUSE]
    assert queue.stats[Fault.STALL] > counted[Fault.STALL]
    # AND every POST was accepted within 5 s, every status read answered within 1 s
    assert len(sent) > 20
    answers = [
        (s.attempt.status, s.attempt.problem_type, round(s.attempt.seconds, 2)) for s in sent
    ]
    refused = [a for a in answers if a[0] != 201]
    assert not refused, f"{len(refused)} of {len(sent)} POSTs not 201: {refused[:10]}"
    slow = [a for a in answers if a[2] > POST_PROMISE_SECONDS]
    assert not slow, f"POSTs slower than 5 s: {slow[:10]}"
    assert gets
    bad_gets = [
        (status, round(s, 2)) for status, s in gets if status != 200 or s > GET_PROMISE_SECONDS
    ]
    assert not bad_gets, f"{len(bad_gets)} of {len(gets)} GETs not 200 within 1 s: {bad_gets}"
    # AND once it is over, every message ends PROCESSED, exactly once
    sends = [before.send, *(_as_send(s) for s in sent)]
    report = _settle_and_audit(stack, service, sends)
    _assert_exactly_once_and_processed(report, len(sends))
    # (those accepted while the queue was down were queued by the sweeper)
    assert report.redeliveries > 0, report.format_table()


def test_b_a_cosmos_outage_answers_503_with_retry_after_and_sends_succeed_afterwards(
    stack: FaultyStack, service: ServiceAccount
) -> None:
    # GIVEN a service that was sending (its key is in the host's cache), and then Cosmos DB
    # swallowing every request for 10 s
    sender = CarefulSender(stack.base_url, service.api_key, give_up_after=30)
    before = sender.send(Outbound.new(stack.citizens[0], expected_status=MessageStatus.PROCESSED))
    assert before.send.answer is Answer.CREATED
    cosmos = stack.proxy(Store.COSMOS)
    cosmos.outage(Fault.STALL, OUTAGE_HALF_SECONDS)
    outage_ends = time.monotonic() + OUTAGE_HALF_SECONDS

    # WHEN 4 clients send during it
    stop = threading.Event()
    threading.Timer(OUTAGE_HALF_SECONDS - 0.5, stop.set).start()
    sent = _send_until(stack, service, stop)

    # THEN each POST is answered within 5 s, never with a 500; those answered during the
    # outage are 503 problems with Retry-After
    assert len(sent) >= CLIENTS
    for s in sent:
        response = s.response
        assert response is not None, f"transport error {s.attempt.error}"
        assert s.attempt.seconds <= POST_PROMISE_SECONDS, response.text
        assert response.status_code in {201, 503}, response.text
    # (the proxy's clock started a moment before ours: a margin)
    during = [s for s in sent if s.ended < outage_ends - 0.5]
    assert during
    for s in during:
        response = s.response
        assert response is not None
        assert response.status_code == 503, response.text
        assert response.headers["Content-Type"].startswith(PROBLEM_JSON)
        assert int(response.headers["Retry-After"]) > 0
        assert response.json()["status"] == 503
    # AND once it is over, a new send succeeds within seconds
    while time.monotonic() < outage_ends:
        time.sleep(0.1)
    after = sender.send(Outbound.new(stack.citizens[0], expected_status=MessageStatus.PROCESSED))
    assert after.send.answer is Answer.CREATED, after.attempts
    assert after.attempts[-1].started - outage_ends < 15
    # AND every send answered 503, retried with its key, ends on one message (one whose
    # outcome was unknown under the id its 503 named)
    sends = [before.send, after.send]
    for s in sent:
        response = s.response
        assert response is not None
        if response.status_code == 201:
            sends.append(_as_send(s))
            continue
        retried = sender.send(s.outbound)
        assert retried.send.answer is Answer.CREATED, retried.attempts
        if response.json()["type"] == OUTCOME_UNKNOWN:
            assert retried.send.message_id == response.json()["message_id"]
        sends.append(retried.send)
    _assert_exactly_once_and_processed(_settle_and_audit(stack, service, sends), len(sends))


def test_c_a_killed_host_loses_and_duplicates_nothing(
    stack: FaultyStack, service: ServiceAccount
) -> None:
    # GIVEN 4 clients sending 12 messages each, each message with its own key
    results: list[SendResult] = []

    def send() -> None:
        results.extend(_send_each(stack, service, 12))

    sending = threading.Thread(target=send, daemon=True)
    sending.start()

    # WHEN the host is killed with SIGKILL while they send, and started again
    time.sleep(1.5)
    stack.kill()
    time.sleep(1.0)
    stack.restart()
    sending.join()

    # THEN every send was answered 201 in the end, and each key has exactly one message,
    # PROCESSED
    assert len(results) == CLIENTS * 12
    sends = _all_created(results)
    killed = [r for r in results if any(a.status is None for a in r.attempts)]
    assert killed, "no send was cut by the kill: the test did not test it"
    _assert_exactly_once_and_processed(_settle_and_audit(stack, service, sends), len(sends))
    # AND each message pushed its citizen's devices: once, but for a push the killed host
    # had sent and not yet removed from its outbox, sent again under the same collapse key
    # (the phone shows one); at most one more per event that host could hold at once
    pushes = _new_message_pushes_once_delivered(stack, [send.message_id for send in sends])
    counts = [len(pushes[send.message_id or ""]) for send in sends]
    assert all(1 <= count <= 2 for count in counts), counts
    assert sum(counts) - len(sends) <= DISPATCH_BATCH, counts


def test_d_a_message_whose_processing_died_with_the_host_is_delivered_within_the_bound(
    stack: FaultyStack, service: ServiceAccount
) -> None:
    # GIVEN a stored message whose reference a host received and then died with: the queue
    # keeps it invisible for 10 minutes, as it does for the real host
    stack.kill()
    app = build_app(stack.settings)
    sender = app.services.get(service.service_id)
    assert sender is not None
    accepted = create_message(
        sender,
        *validate_new_message(stack.citizens[0], json.dumps(message_body(new_marker())).encode()),
        messages=app.messages,
        queue=app.queue,
        idempotency=app.idempotency,
        attachments=app.attachments,
        clock=app.clock,
    )
    taken = queue_client(stack.settings.storage, stack.settings.messages_queue)
    received = list(taken.receive_messages(max_messages=32, visibility_timeout=600))
    assert accepted.message.id in {MessageRef.from_json(m.content).message_id for m in received}
    # WHEN a host runs again
    stack.restart()
    started = time.monotonic()
    # THEN the sweeper sends it again after the grace, and it is processed: within the
    # grace plus one sweeper period plus processing, not the queue's 10 minutes
    bound = GRACE_SECONDS + 5 + 20

    def stored() -> Message:
        message = app.messages.get(stack.citizens[0], accepted.message.id)
        assert message is not None
        return message

    while stored().status is MessageStatus.ACCEPTED:
        assert time.monotonic() - started < bound, "still ACCEPTED past the bound"
        time.sleep(0.5)
    assert stored().status is MessageStatus.PROCESSED
    assert stored().redeliveries == 1


def test_e_lost_replies_from_both_stores_lose_and_duplicate_nothing(
    stack: FaultyStack, service: ServiceAccount
) -> None:
    # GIVEN 4 clients sending 16 messages each, each message with its own key
    proxies = {store: stack.proxy(store) for store in LOST_REPLY_SHARES}
    lost_before = {store: proxy.stats[Fault.RESET_AFTER] for store, proxy in proxies.items()}

    # WHEN, for the first 4 s of their sends, one request in 20 to Cosmos DB and one in 10
    # to the queues land and lose their reply: the host's writes and reads, the
    # acceptance's and the processing's, its queue sends, receives and deletes, each carried
    # over the app's own wire (shared/adapters/direct_http.py)
    for store, proxy in proxies.items():
        proxy.set_fault(Fault.RESET_AFTER, probability=LOST_REPLY_SHARES[store])
    healing = threading.Timer(LOSING_SECONDS, stack.clear_faults)
    healing.start()
    results = _send_each(stack, service, 16)
    healing.join()

    # THEN replies were lost from both stores (else the test tested nothing)
    lost = {
        store: proxy.stats[Fault.RESET_AFTER] - lost_before[store]
        for store, proxy in proxies.items()
    }
    assert all(count >= MIN_LOST_REPLIES for count in lost.values()), lost
    # AND every send was answered 201 in the end, and each key has exactly one message,
    # PROCESSED
    assert len(results) == CLIENTS * 16
    sends = _all_created(results)
    _assert_exactly_once_and_processed(_settle_and_audit(stack, service, sends), len(sends))
    # AND each message pushed its citizen's devices at least once; a push sent again (its
    # send's reply lost, then the SDK's retry; or its removal's, then the relay) carries the
    # same collapse key, so the phone shows one; at most one more per reply lost
    pushes = _new_message_pushes_once_delivered(stack, [send.message_id for send in sends])
    for send in sends:
        sent = pushes[send.message_id or ""]
        assert sent, f"message {send.message_id} pushed nobody"
        assert {push.collapse_key for push in sent} == {send.message_id}, sent
    assert sum(len(pushes[send.message_id or ""]) for send in sends) - len(sends) <= sum(
        lost.values()
    )
