"""The fault proxy on real sockets: each fault against a recording upstream, then the Cosmos
DB emulator and Azurite behind it, as the SDKs see the faults."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from azure.cosmos import ContainerProxy, CosmosClient
from azure.cosmos.exceptions import CosmosResourceNotFoundError
from azure.storage.queue import QueueClient

from infra.local.emulators import AZURITE_ACCOUNT, AZURITE_KEY, COSMOS_EMULATOR_KEY
from infra.local.faults.proxy import Fault, FaultProxy
from infra.local.faults.tls_handshake import HandshakeScanner
from shared.adapters.queues import queue_client
from shared.config import StorageConnectionString
from shared.storage_layout import ContainerName, storage_layout
from tests.builders import random_fiscal_code
from tests.faults.conftest import (
    LOOPBACK,
    REPLY_PREFIX,
    WAIT_SECONDS,
    RecordingUpstream,
    connect,
    exchange,
)

# How long a client waits before deciding that a stalled proxy will not answer.
STALL_READ_SECONDS = 0.3
OUTAGE_SECONDS = 0.3


def wait_until_connectable(port: int) -> float:
    """Connect until the port accepts; the monotonic time it did."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            with socket.create_connection((LOOPBACK, port), timeout=WAIT_SECONDS):
                return time.monotonic()
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


# --- each fault, against a recording upstream ---


def test_pass_forwards_every_request_and_reply_of_a_keep_alive_connection(
    proxy: FaultProxy, upstream: RecordingUpstream
) -> None:
    # GIVEN a client connected through the proxy
    with connect(proxy.port) as client:
        # WHEN it sends three requests, one after the other's reply
        replies = [exchange(client, payload) for payload in (b"one", b"two", b"three")]

    # THEN each is answered, the upstream got them all, and each counts as a request
    assert replies == [REPLY_PREFIX + b"one", REPLY_PREFIX + b"two", REPLY_PREFIX + b"three"]
    assert upstream.received() == b"onetwothree"
    assert proxy.stats["requests"] == 3
    assert proxy.stats["pass"] == 3
    assert proxy.stats["connections"] == 1


def test_reset_before_resets_the_client_and_the_request_never_reaches_the_upstream(
    proxy: FaultProxy, upstream: RecordingUpstream
) -> None:
    # GIVEN a keep-alive connection that already carried a request
    with connect(proxy.port) as client:
        exchange(client, b"first")
        proxy.arm(Fault.RESET_BEFORE)

        # WHEN its next request gets RESET_BEFORE
        client.sendall(b"lost")

        # THEN the client is reset
        with pytest.raises(ConnectionResetError):
            client.recv(1024)

    # AND the upstream's connection ended (reset too) having received the first request only
    assert upstream.connection(0).ended.wait(WAIT_SECONDS)
    assert upstream.connection(0).received == b"first"
    assert proxy.stats["reset_before"] == 1


def test_reset_after_delivers_the_request_and_resets_the_client_without_its_reply(
    proxy: FaultProxy, upstream: RecordingUpstream
) -> None:
    # GIVEN the next request will get RESET_AFTER
    proxy.arm(Fault.RESET_AFTER)

    with connect(proxy.port) as client:
        # WHEN a client sends it
        client.sendall(b"landed")

        # THEN the client is reset before any byte of the reply
        with pytest.raises(ConnectionResetError):
            client.recv(1024)

    # AND the upstream received the request (it answered, so the proxy reset)
    assert upstream.connection(0).received == b"landed"
    assert upstream.connection(0).ended.wait(WAIT_SECONDS)
    assert proxy.stats["reset_after"] == 1


def test_stall_answers_nothing_and_resets_the_connection_when_the_stall_ends(
    proxy: FaultProxy, upstream: RecordingUpstream
) -> None:
    # GIVEN a stalled proxy
    proxy.set_fault(Fault.STALL)

    with connect(proxy.port, timeout=STALL_READ_SECONDS) as client:
        # WHEN a client sends a request
        client.sendall(b"into the void")

        # THEN no answer comes
        with pytest.raises(TimeoutError):
            client.recv(1024)

        # AND when the stall ends, the client is reset
        proxy.set_fault(Fault.PASS)
        client.settimeout(WAIT_SECONDS)
        with pytest.raises(ConnectionResetError):
            client.recv(1024)

    # AND the upstream saw nothing of the request before its connection was reset
    assert upstream.connection(0).ended.wait(WAIT_SECONDS)
    assert upstream.connection(0).received == b""
    assert proxy.stats["stall"] == 1


def test_refuse_closes_the_port_and_the_proxy_listens_again_on_the_same_port(
    proxy: FaultProxy,
) -> None:
    # GIVEN an open connection through the proxy
    port = proxy.port
    with connect(port) as client:
        exchange(client, b"before")

        # WHEN the proxy refuses
        proxy.set_fault(Fault.REFUSE)

        # THEN the open connection is reset and new connections are refused
        with pytest.raises(ConnectionResetError):
            client.recv(1024)
    with pytest.raises(ConnectionRefusedError):
        connect(port)

    # AND once the fault ends, the same port answers again
    proxy.set_fault(Fault.PASS)
    assert proxy.port == port
    with connect(port) as client:
        assert exchange(client, b"after") == REPLY_PREFIX + b"after"
    assert proxy.stats["refuse"] == 1


def test_arm_hits_exactly_the_next_two_requests_then_passes(
    proxy: FaultProxy, upstream: RecordingUpstream
) -> None:
    # GIVEN a keep-alive connection opened and used before the faults were armed
    with connect(proxy.port) as kept_alive:
        assert exchange(kept_alive, b"a") == REPLY_PREFIX + b"a"
        proxy.arm(Fault.RESET_AFTER, times=2)

        # WHEN it sends its next request, then a new connection sends one, then another
        kept_alive.sendall(b"b")
        with pytest.raises(ConnectionResetError):
            kept_alive.recv(1024)
    with connect(proxy.port) as second:
        second.sendall(b"c")
        with pytest.raises(ConnectionResetError):
            second.recv(1024)
    with connect(proxy.port) as third:
        replies = [exchange(third, b"d"), exchange(third, b"e")]

    # THEN exactly the two armed requests were reset (both landed), and the rest passed
    assert replies == [REPLY_PREFIX + b"d", REPLY_PREFIX + b"e"]
    assert upstream.received() == b"abcde"
    assert proxy.stats["reset_after"] == 2
    assert proxy.stats["pass"] == 3


def _outcomes(proxy: FaultProxy, requests: int) -> list[bool]:
    """Whether each of `requests` requests was answered; a reset one reconnects."""
    outcomes: list[bool] = []
    client = connect(proxy.port)
    try:
        for number in range(requests):
            payload = b"%d" % number
            try:
                outcomes.append(exchange(client, payload) == REPLY_PREFIX + payload)
            except ConnectionResetError:
                outcomes.append(False)
                client.close()
                client = connect(proxy.port)
    finally:
        client.close()
    return outcomes


def test_a_seeded_probability_picks_the_same_requests_on_every_run(
    upstream: RecordingUpstream, start_proxy: Callable[..., FaultProxy]
) -> None:
    # GIVEN two proxies with the same seed and a 50% RESET_BEFORE
    runs = []
    for name in ("first", "second"):
        proxy = start_proxy(upstream.port, name=name, seed=20240501)
        proxy.set_fault(Fault.RESET_BEFORE, probability=0.5)

        # WHEN the same requests go through each
        runs.append(_outcomes(proxy, 30))

    # THEN the same requests fail on both, and the fault is neither never nor always
    assert runs[0] == runs[1]
    assert 0 < runs[0].count(False) < 30


def test_cut_resets_every_open_connection_and_the_proxy_keeps_serving(
    proxy: FaultProxy, upstream: RecordingUpstream
) -> None:
    # GIVEN two open connections
    with connect(proxy.port) as first, connect(proxy.port) as second:
        exchange(first, b"1")
        exchange(second, b"2")

        # WHEN the proxy cuts
        proxy.cut()

        # THEN both clients are reset, and so are both upstream connections
        for client in (first, second):
            with pytest.raises(ConnectionResetError):
                client.recv(1024)
    assert upstream.connection(0).ended.wait(WAIT_SECONDS)
    assert upstream.connection(1).ended.wait(WAIT_SECONDS)

    # AND new connections pass
    with connect(proxy.port) as client:
        assert exchange(client, b"3") == REPLY_PREFIX + b"3"


def test_a_refuse_outage_ends_by_itself_on_the_same_port(proxy: FaultProxy) -> None:
    # GIVEN a REFUSE outage
    port = proxy.port
    began = time.monotonic()
    proxy.outage(Fault.REFUSE, OUTAGE_SECONDS)

    # THEN connections are refused at once, and accepted again after the outage
    with pytest.raises(ConnectionRefusedError):
        connect(port)
    assert wait_until_connectable(port) - began >= OUTAGE_SECONDS


def test_an_outage_chained_to_one_that_is_ending_is_not_cut_short(proxy: FaultProxy) -> None:
    # GIVEN a short STALL outage, and a REFUSE outage begun just as it ends
    for _ in range(10):
        proxy.outage(Fault.STALL, 0.05)
        time.sleep(0.05)
        proxy.outage(Fault.REFUSE, 5.0)
        # THEN the REFUSE outage holds: the first outage's end does not undo it
        time.sleep(0.1)
        with pytest.raises(ConnectionRefusedError):
            connect(proxy.port)
        proxy.set_fault(Fault.PASS)
        wait_until_connectable(proxy.port)


def test_a_stall_outage_ends_by_itself_and_resets_the_stalled_connections(
    proxy: FaultProxy, upstream: RecordingUpstream
) -> None:
    # GIVEN a client whose request went into a STALL outage
    with connect(proxy.port) as client:
        began = time.monotonic()
        proxy.outage(Fault.STALL, OUTAGE_SECONDS)
        client.sendall(b"held")

        # THEN the client is reset when the outage ends, not before
        with pytest.raises(ConnectionResetError):
            client.recv(1024)
        assert time.monotonic() - began >= OUTAGE_SECONDS

    # AND the proxy passes again
    with connect(proxy.port) as client:
        assert exchange(client, b"after") == REPLY_PREFIX + b"after"
    assert upstream.received() == b"after"


def test_hundreds_of_concurrent_connections_each_get_their_own_replies(
    proxy: FaultProxy,
) -> None:
    connections = 300

    async def one_client(number: int) -> bytes:
        reader, writer = await asyncio.open_connection(LOOPBACK, proxy.port)
        payload = b"client-%d" % number
        writer.write(payload)
        reply = await reader.readexactly(len(REPLY_PREFIX) + len(payload))
        writer.close()
        await writer.wait_closed()
        return reply

    async def all_clients() -> list[bytes]:
        async with asyncio.timeout(WAIT_SECONDS * 4):
            return await asyncio.gather(*(one_client(n) for n in range(connections)))

    # WHEN hundreds of clients talk through the proxy at once
    replies = asyncio.run(all_clients())

    # THEN each got the reply to its own request
    assert replies == [REPLY_PREFIX + b"client-%d" % n for n in range(connections)]
    assert proxy.stats["connections"] == connections


def test_stop_closes_the_port_and_can_be_called_twice(proxy: FaultProxy) -> None:
    port = proxy.port

    proxy.stop()
    proxy.stop()

    with pytest.raises(ConnectionRefusedError):
        connect(port)


def test_faults_that_do_not_apply_are_rejected(proxy: FaultProxy) -> None:
    with pytest.raises(ValueError, match="REFUSE"):
        proxy.arm(Fault.REFUSE)
    with pytest.raises(ValueError, match="probability"):
        proxy.set_fault(Fault.REFUSE, probability=0.5)
    with pytest.raises(ValueError, match="STALL or REFUSE"):
        proxy.outage(Fault.RESET_AFTER, 1.0)


def tls_record(content_type: int, length: int) -> bytes:
    return bytes([content_type, 3, 3]) + length.to_bytes(2, "big") + bytes(length)


def test_a_tls_clients_last_handshake_flight_is_told_apart_from_its_first_request() -> None:
    client_hello = tls_record(22, 512)
    change_cipher_spec, finished, request = (
        tls_record(20, 1),
        tls_record(23, 53),
        tls_record(23, 700),
    )
    scanner = HandshakeScanner()

    # GIVEN a ClientHello split across two chunks: both are handshake
    assert scanner.handshake_bytes(client_hello[:300]) == 300
    assert scanner.handshake_bytes(client_hello[300:]) == len(client_hello) - 300

    # WHEN the client's Finished (TLS 1.3: after change_cipher_spec, as application data)
    # comes in one chunk with its first request
    split = scanner.handshake_bytes(change_cipher_spec + finished + request)

    # THEN the handshake ends after the Finished, and the request is not scanned again
    assert split == len(change_cipher_spec) + len(finished)
    assert scanner.done


def test_plain_tcp_has_no_handshake() -> None:
    scanner = HandshakeScanner()

    assert scanner.handshake_bytes(b"GET / HTTP/1.1\r\n") == 0
    assert scanner.done


# --- the SDKs through the proxy, on the emulators ---


@pytest.fixture
def cosmos_proxy(local_stack, start_proxy: Callable[..., FaultProxy]) -> FaultProxy:
    return start_proxy(local_stack.endpoints.cosmos_port, name="cosmos")


@pytest.fixture
def messages(cosmos_proxy: FaultProxy) -> Iterator[ContainerProxy]:
    """The messages container, reached through the proxy with the SDK's default settings."""
    with CosmosClient(
        f"https://{LOOPBACK}:{cosmos_proxy.port}/",
        credential=COSMOS_EMULATOR_KEY,
        connection_verify=False,
    ) as client:
        database = client.get_database_client(storage_layout().database)
        yield database.get_container_client(ContainerName.MESSAGES)


def a_document() -> dict[str, str]:
    return {"id": uuid.uuid4().hex, "fiscal_code": random_fiscal_code()}


@pytest.mark.emulators
def test_every_cosmos_call_goes_through_the_proxy(
    cosmos_proxy: FaultProxy, messages: ContainerProxy
) -> None:
    document = a_document()

    # WHEN the SDK creates a document, then reads it
    before = cosmos_proxy.stats["requests"]
    messages.create_item(document)
    after_create = cosmos_proxy.stats["requests"]
    messages.read_item(document["id"], partition_key=document["fiscal_code"])
    after_read = cosmos_proxy.stats["requests"]

    # THEN both calls went through the proxy
    assert after_create > before
    assert after_read > after_create

    # AND with the proxy gone, the SDK cannot reach the emulator by another way
    cosmos_proxy.stop()
    with pytest.raises(ServiceRequestError):
        messages.read_item(document["id"], partition_key=document["fiscal_code"])


@pytest.mark.emulators
def test_a_cosmos_create_whose_reply_is_lost_raises_but_the_document_is_stored(
    cosmos_proxy: FaultProxy, messages: ContainerProxy
) -> None:
    warm_up = a_document()
    messages.create_item(warm_up)
    document = a_document()

    # WHEN the create's request lands and its reply is lost. A standing fault, not arm():
    # the SDK's background health checks could take an armed fault meant for the create.
    cosmos_proxy.set_fault(Fault.RESET_AFTER)
    try:
        with pytest.raises(ServiceResponseError) as raised:
            messages.create_item(document)
    finally:
        cosmos_proxy.set_fault(Fault.PASS)

    # THEN the SDK raises ServiceResponseError itself (a write is never retried after it)
    assert raised.type is ServiceResponseError
    # AND the document was stored all the same
    stored = messages.read_item(document["id"], partition_key=document["fiscal_code"])
    assert stored["fiscal_code"] == document["fiscal_code"]


@pytest.mark.emulators
def test_a_cosmos_create_reset_before_sending_raises_and_stores_nothing(
    cosmos_proxy: FaultProxy, messages: ContainerProxy
) -> None:
    messages.create_item(a_document())
    document = a_document()

    # WHEN every request is reset before it reaches the emulator
    cosmos_proxy.set_fault(Fault.RESET_BEFORE)
    try:
        # THEN the SDK raises ServiceResponseError, as for a lost reply, when the reset
        # reached it after it sent the request; ServiceRequestError when it reached it while
        # sending (a TLS error; the SDK retried that for about 2 s first)
        with pytest.raises((ServiceResponseError, ServiceRequestError)):
            messages.create_item(document)
    finally:
        cosmos_proxy.set_fault(Fault.PASS)

    # AND nothing was stored
    with pytest.raises(CosmosResourceNotFoundError):
        messages.read_item(document["id"], partition_key=document["fiscal_code"])


def _connection_string(queue_port: int) -> str:
    return (
        "DefaultEndpointsProtocol=http;"
        f"AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"QueueEndpoint=http://{LOOPBACK}:{queue_port}/{AZURITE_ACCOUNT};"
    )


@pytest.fixture
def queue_behind_proxy(
    local_stack, start_proxy: Callable[..., FaultProxy]
) -> Iterator[tuple[FaultProxy, str, QueueClient]]:
    """A queue of its own (so that no other test reads or adds messages), a proxy in front
    of Azurite, and a client that reads the queue directly."""
    name = f"faults-{uuid.uuid4().hex[:12]}"
    direct = QueueClient.from_connection_string(
        _connection_string(local_stack.endpoints.queue_port), name
    )
    direct.create_queue()
    proxy = start_proxy(local_stack.endpoints.queue_port, name="queue")
    try:
        yield proxy, _connection_string(proxy.port), direct
    finally:
        direct.delete_queue()


def _stored(direct: QueueClient) -> int:
    return len(list(direct.peek_messages(max_messages=32)))


@pytest.mark.emulators
def test_the_queue_client_retries_a_send_whose_reply_was_lost_and_stores_it_twice(
    queue_behind_proxy: tuple[FaultProxy, str, QueueClient],
) -> None:
    proxy, connection_string, direct = queue_behind_proxy
    client = queue_client(StorageConnectionString(connection_string), direct.queue_name)
    client.get_queue_properties()

    # WHEN the first send's request lands and its reply is lost
    proxy.arm(Fault.RESET_AFTER)
    client.send_message("once")

    # THEN the SDK's own retry sent it again: the call succeeds, the message is there twice
    assert proxy.stats["reset_after"] == 1
    assert _stored(direct) == 2


@pytest.mark.emulators
def test_a_queue_client_without_retries_raises_and_the_message_is_stored_once(
    queue_behind_proxy: tuple[FaultProxy, str, QueueClient],
) -> None:
    proxy, connection_string, direct = queue_behind_proxy
    client = QueueClient.from_connection_string(connection_string, direct.queue_name, retry_total=0)
    client.get_queue_properties()

    proxy.arm(Fault.RESET_AFTER)
    with pytest.raises(ServiceResponseError) as raised:
        client.send_message("once")

    assert raised.type is ServiceResponseError
    assert _stored(direct) == 1
