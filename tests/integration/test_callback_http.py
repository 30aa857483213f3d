"""The callback sender against local receivers: what each answer comes to, and the guards
against SSRF and slow or hostile receivers (no redirects, checked addresses, timeouts, a
read cap, a breaker per origin, a bulkhead per receiver). Short timeouts keep it fast."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from pathlib import Path

import pytest

from shared.adapters.callback_http import (
    BUSY_RETRY_SECONDS,
    MAX_HEAD_BYTES,
    USER_AGENT,
    HttpCallbackSender,
    retry_after_seconds,
)
from shared.adapters.origin_breakers import OriginBreakers
from shared.domain.callbacks import Delivered, Refused, RetryLater
from tests.callback_servers import Answer, ScriptedServer, make_tls_files, scripted_server

BODY = b'{"id":"01JEV0000000000000000000E1","type":"message.processed"}'
HEADERS = {"Postino-Event-Id": "01JEV0000000000000000000E1", "Postino-Signature": "v1=ab"}
NAME = "callbacks.comune.example.it"


def _sender(**overrides) -> HttpCallbackSender:
    options = {
        "allow_loopback_http": True,
        "connect_seconds": 0.5,
        "read_seconds": 0.5,
        "total_seconds": 2.0,
        **overrides,
    }
    return HttpCallbackSender(**options)


def _to_loopback(host: str, port: int) -> list[tuple[int, tuple[str, int]]]:
    return [(socket.AF_INET, ("127.0.0.1", port))]


def _why(outcome: Delivered | RetryLater | Refused) -> str:
    assert not isinstance(outcome, Delivered), outcome
    return outcome.why


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- what an answer comes to ------------------------------------------------------------------


def test_a_2xx_is_delivered_with_the_body_and_headers_as_given():
    with scripted_server(Answer(status=202)) as server:
        outcome = _sender().post(server.url("/hooks?tenant=7"), BODY, HEADERS)
    assert outcome == Delivered(202)
    (received,) = server.received
    assert received.path == "/hooks?tenant=7"
    assert received.body == BODY
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers["User-Agent"] == USER_AGENT
    assert received.headers["Host"] == f"127.0.0.1:{server.port}"
    for name, value in HEADERS.items():
        assert received.headers[name] == value


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_408_429_and_5xx_are_retried_later(status):
    with scripted_server(Answer(status=status)) as server:
        outcome = _sender().post(server.url(), BODY, HEADERS)
    assert isinstance(outcome, RetryLater)
    assert str(status) in outcome.why


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_other_4xx_are_final(status):
    with scripted_server(Answer(status=status)) as server:
        outcome = _sender().post(server.url(), BODY, HEADERS)
    assert outcome == Refused(f"the receiver answered HTTP {status}")


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_followed_and_is_final(status):
    # GIVEN a receiver that redirects to another one
    with scripted_server() as elsewhere:
        redirect = Answer(status=status, headers={"Location": elsewhere.url("/stolen")})
        with scripted_server(redirect) as server:
            outcome = _sender().post(server.url(), BODY, HEADERS)
    # THEN the redirect is final and its target is never called
    assert isinstance(outcome, Refused)
    assert "redirects are not followed" in outcome.why
    assert elsewhere.received == []


def test_a_response_body_never_appears_in_the_reason():
    answer = Answer(status=500, headers={"X-Secret-Looking": "leak-me"})
    with scripted_server(answer) as server:
        outcome = _sender().post(server.url(), BODY, HEADERS)
    assert "leak-me" not in repr(outcome)


# --- Retry-After ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_is_honoured_on_429_and_503(status):
    with scripted_server(Answer(status=status, headers={"Retry-After": "120"})) as server:
        outcome = _sender().post(server.url(), BODY, HEADERS)
    assert isinstance(outcome, RetryLater)
    assert outcome.retry_after_seconds == 120.0


def test_retry_after_as_an_http_date_is_honoured():
    now = 1_796_292_000.0
    date = formatdate(now + 90, usegmt=True)
    with scripted_server(Answer(status=503, headers={"Retry-After": date})) as server:
        outcome = _sender(wall_clock=lambda: now).post(server.url(), BODY, HEADERS)
    assert isinstance(outcome, RetryLater)
    assert outcome.retry_after_seconds == 90.0


def test_retry_after_is_capped_at_an_hour_and_ignored_on_other_statuses():
    with scripted_server(
        Answer(status=429, headers={"Retry-After": "86400"}),
        Answer(status=500, headers={"Retry-After": "60"}),
    ) as server:
        capped = _sender().post(server.url(), BODY, HEADERS)
        ignored = _sender().post(server.url(), BODY, HEADERS)
    assert isinstance(capped, RetryLater)
    assert capped.retry_after_seconds == 3600.0
    assert isinstance(ignored, RetryLater)
    assert ignored.retry_after_seconds is None


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, None),
        ("", None),
        ("soon", None),
        ("0", 0.0),
        ("-5", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past: at once
    ],
)
def test_retry_after_values_are_read_with_care(value, seconds):
    assert retry_after_seconds(value, now=1_796_292_000.0) == seconds


# --- addresses (SSRF) -------------------------------------------------------------------------


def test_loopback_is_refused_without_the_local_setting_and_nothing_is_sent():
    with scripted_server() as server:
        outcome = _sender(allow_loopback_http=False).post(server.url(scheme="https"), BODY, HEADERS)
    assert isinstance(outcome, Refused)
    assert server.received == []


def test_a_name_resolving_to_a_private_address_is_refused_without_connecting():
    resolved = []

    def to_private(host: str, port: int) -> list[tuple[int, tuple[str, int]]]:
        resolved.append(host)
        return [(socket.AF_INET, ("10.0.0.7", port))]

    outcome = _sender(allow_loopback_http=False, resolve=to_private).post(
        f"https://{NAME}/hook", BODY, HEADERS
    )
    assert outcome == Refused(f"{NAME} resolves to an address that is not public")
    assert resolved == [NAME]


def test_one_private_address_among_public_ones_refuses_the_call():
    def mixed(host: str, port: int) -> list[tuple[int, tuple[str, int]]]:
        return [(socket.AF_INET, ("8.8.8.8", port)), (socket.AF_INET, ("169.254.169.254", port))]

    outcome = _sender(allow_loopback_http=False, resolve=mixed).post(
        f"https://{NAME}/hook", BODY, HEADERS
    )
    assert isinstance(outcome, Refused)


def test_plain_http_to_a_name_is_refused_even_locally_before_resolving_it():
    resolutions = []

    def recorded(host: str, port: int) -> list[tuple[int, tuple[str, int]]]:
        resolutions.append(host)
        return _to_loopback(host, port)

    outcome = _sender(resolve=recorded).post(f"http://{NAME}:8080/", BODY, HEADERS)
    assert isinstance(outcome, Refused)
    assert resolutions == []


def test_a_resolver_that_hangs_costs_no_more_than_the_connect_timeout():
    def hanging(host: str, port: int) -> list[tuple[int, tuple[str, int]]]:
        time.sleep(1.0)
        return _to_loopback(host, port)

    started = time.monotonic()
    outcome = _sender(resolve=hanging, connect_seconds=0.2).post(
        f"https://{NAME}/hook", BODY, HEADERS
    )
    assert outcome == RetryLater(f"resolving {NAME} timed out")
    assert time.monotonic() - started < 0.6


def test_an_unresolvable_name_is_retried_later():
    def nowhere(host: str, port: int) -> list[tuple[int, tuple[str, int]]]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    outcome = _sender(resolve=nowhere).post(f"https://{NAME}/hook", BODY, HEADERS)
    assert outcome == RetryLater(f"{NAME} does not resolve")


# --- TLS ----------------------------------------------------------------------------------------


@pytest.fixture
def tls_files(tmp_path: Path):
    return make_tls_files(tmp_path, names=[NAME])


def test_https_sends_the_name_and_verifies_the_certificate_for_it(tls_files):
    resolutions = []

    def once(host: str, port: int) -> list[tuple[int, tuple[str, int]]]:
        resolutions.append(host)
        return _to_loopback(host, port)

    sender = _sender(resolve=once, ssl_context=tls_files.client_context())
    with scripted_server(tls=tls_files.server_context()) as server:
        outcome = sender.post(f"https://{NAME}:{server.port}/hook", BODY, HEADERS)
    assert outcome == Delivered(204)
    assert server.server_names == [NAME]
    assert server.received[0].headers["Host"] == f"{NAME}:{server.port}"
    assert resolutions == [NAME]


def test_a_certificate_for_another_name_is_retried_later_and_nothing_is_sent(tmp_path):
    files = make_tls_files(tmp_path, names=["someone-else.example.com"])
    sender = _sender(resolve=_to_loopback, ssl_context=files.client_context())
    with scripted_server(tls=files.server_context()) as server:
        outcome = sender.post(f"https://{NAME}:{server.port}/hook", BODY, HEADERS)
    assert isinstance(outcome, RetryLater)
    assert "certificate" in outcome.why
    assert server.received == []


def test_an_untrusted_certificate_is_refused(tls_files):
    # The system's trust store does not know the test CA.
    with scripted_server(tls=tls_files.server_context()) as server:
        outcome = _sender(resolve=_to_loopback).post(
            f"https://{NAME}:{server.port}/hook", BODY, HEADERS
        )
    assert isinstance(outcome, RetryLater)
    assert "certificate" in outcome.why


# --- slow and hostile receivers ---------------------------------------------------------------


def test_a_receiver_slower_than_the_read_timeout_is_retried_later():
    with scripted_server(Answer(delay=5.0)) as server:
        started = time.monotonic()
        outcome = _sender(read_seconds=0.3).post(server.url(), BODY, HEADERS)
        took = time.monotonic() - started
    assert isinstance(outcome, RetryLater)
    assert "no answer in time" in outcome.why
    assert took < 2.0


def test_the_whole_call_is_bounded_even_when_each_read_is_quick():
    # GIVEN a receiver that drips its head, a header every 0.2 s, without end
    with scripted_server(Answer(drip=0.2)) as server:
        started = time.monotonic()
        outcome = _sender(read_seconds=0.5, total_seconds=1.0).post(server.url(), BODY, HEADERS)
        took = time.monotonic() - started
    # THEN the call ends at its total time, not at the read timeout of each read
    assert isinstance(outcome, RetryLater)
    assert "no answer in time" in outcome.why
    assert 0.9 < took < 1.5


def test_an_endless_body_is_not_read():
    # GIVEN a receiver that sends 64 KiB of body and then stalls for 30 s
    with scripted_server(Answer(status=200, stalled_body=64 * 1024)) as server:
        started = time.monotonic()
        outcome = _sender(read_seconds=1.5, total_seconds=3.0).post(server.url(), BODY, HEADERS)
        took = time.monotonic() - started
    # THEN it is delivered at once: had the sender read on, it would have waited for more
    assert outcome == Delivered(200)
    assert took < 1.0


def test_a_head_over_the_read_cap_is_not_read_to_its_end():
    with scripted_server(Answer(status=200, head_padding=4 * MAX_HEAD_BYTES)) as server:
        outcome = _sender().post(server.url(), BODY, HEADERS)
    assert isinstance(outcome, RetryLater)
    assert f"over {MAX_HEAD_BYTES} bytes" in outcome.why


def test_nothing_listening_is_retried_later():
    outcome = _sender().post(f"http://127.0.0.1:{_closed_port()}/", BODY, HEADERS)
    assert isinstance(outcome, RetryLater)
    assert "ConnectionRefusedError" in outcome.why


# --- the breaker per origin -------------------------------------------------------------------


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_three_failures_open_the_origins_breaker_then_one_probe_goes_out():
    # GIVEN an origin where nothing listens, and a sender with its breakers on a clock
    ticks = Ticks()
    sender = _sender(breakers=OriginBreakers(monotonic=ticks))
    port = _closed_port()
    url = f"http://127.0.0.1:{port}/hook"
    # WHEN three calls fail to connect
    for _ in range(3):
        assert "ConnectionRefusedError" in _why(sender.post(url, BODY, HEADERS))
    # THEN calls answer at once without connecting, even once something listens there
    with ScriptedServer() as server:
        moved = f"http://127.0.0.1:{server.port}/hook"
        assert sender.post(moved, BODY, HEADERS) == Delivered(204)  # another origin
        assert sender.post(url, BODY, HEADERS) == RetryLater("endpoint unavailable")
        # AND after 30 s one probe goes out; the origin is still dead, so it opens again
        ticks.now = 30.0
        assert "ConnectionRefusedError" in _why(sender.post(url, BODY, HEADERS))
        assert sender.post(url, BODY, HEADERS) == RetryLater("endpoint unavailable")
    assert len(server.received) == 1


def test_an_answer_to_the_probe_closes_the_breaker():
    ticks = Ticks()
    sender = _sender(breakers=OriginBreakers(monotonic=ticks), read_seconds=0.2)
    with scripted_server(*[Answer(delay=2.0)] * 3) as server:
        url = server.url()
        for _ in range(3):
            assert "no answer in time" in _why(sender.post(url, BODY, HEADERS))
        assert sender.post(url, BODY, HEADERS) == RetryLater("endpoint unavailable")
        ticks.now = 30.0
        assert sender.post(url, BODY, HEADERS) == Delivered(204)
        assert sender.post(url, BODY, HEADERS) == Delivered(204)
    assert len(server.received) == 5


def test_a_receiver_that_answers_errors_does_not_open_the_breaker():
    with scripted_server(*[Answer(status=500)] * 5) as server:
        sender = _sender()
        outcomes = [sender.post(server.url(), BODY, HEADERS) for _ in range(5)]
    assert all(_why(outcome) == "the receiver answered HTTP 500" for outcome in outcomes)
    assert len(server.received) == 5


# --- the bulkhead per receiver ----------------------------------------------------------------


def test_a_busy_receiver_turns_calls_away_at_once_while_another_path_is_delivered():
    # GIVEN a sender that lets one callback at a time reach a receiver, and a receiver whose
    # first answer the test holds back
    release = threading.Event()
    sender = _sender(receiver_concurrency=1, read_seconds=5.0, total_seconds=10.0)
    with scripted_server(Answer(status=200, held_until=release)) as server:
        slow = server.url("/slow?token=s3cr3t")
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(sender.post, slow, BODY, HEADERS)
            assert server.wait_for_requests(1), "the first call never reached the receiver"
            # WHEN a second call goes to the same receiver (another query, same receiver)
            started = time.monotonic()
            turned_away = sender.post(server.url("/slow?token=other"), BODY, HEADERS)
            took = time.monotonic() - started
            # AND another receiver at the same origin is called
            elsewhere = sender.post(server.url("/prompt"), BODY, HEADERS)
            # THEN the busy receiver's call is retried soon, without being sent
            assert turned_away == RetryLater(
                "the receiver already has as many callbacks in flight from this worker "
                "as it may (1)",
                BUSY_RETRY_SECONDS,
            )
            assert took < 0.5
            assert "s3cr3t" not in repr(turned_away)
            # AND the other receiver is not held up
            assert elsewhere == Delivered(204)
            assert [received.path for received in server.received] == [
                "/slow?token=s3cr3t",
                "/prompt",
            ]
            # WHEN the first call ends
            release.set()
            assert first.result(timeout=5.0) == Delivered(200)
        # THEN the receiver takes calls again
        assert sender.post(slow, BODY, HEADERS) == Delivered(204)
    assert len(server.received) == 3
