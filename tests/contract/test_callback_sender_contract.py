"""The CallbackSender contract, for the fake and for the HTTP sender with a local receiver:
what reaches the receiver, and what each kind of answer comes to."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from shared.adapters.callback_http import HttpCallbackSender
from shared.domain.callbacks import Delivered, Refused, RetryLater
from tests.callback_servers import Answer, ScriptedServer
from tests.fakes import FakeCallbackSender

BODY = b'{"id":"01JEV0000000000000000000E1","type":"message.read","message_id":"01J"}'
HEADERS = {
    "Postino-Event-Id": "01JEV0000000000000000000E1",
    "Postino-Timestamp": "1796292000",
    "Postino-Signature": "v1=00ff",
}


@dataclass
class Receiver:
    """The port, and the receiver behind it: told what to answer, asked what it got."""

    sender: Any
    url: str
    _answer: Any
    _received: Any
    _go_away: Any

    def answer(self, status: int, headers: dict[str, str] | None = None) -> None:
        self._answer(status, headers or {})

    def received(self) -> list[tuple[bytes, dict[str, str]]]:
        return list(self._received())

    def go_away(self) -> None:
        self._go_away()


@pytest.fixture
def receiver(implementation) -> Iterator[Receiver]:
    if implementation == "fake":
        fake = FakeCallbackSender(allow_loopback_http=True)

        def gone() -> None:
            fake.reachable = False

        yield Receiver(
            sender=fake,
            url="http://127.0.0.1:7072/callbacks",
            _answer=fake.answer,
            _received=lambda: [(body, headers) for _, body, headers in fake.posts],
            _go_away=gone,
        )
        return
    # A stopped server stops again harmlessly: go_away() may have stopped it already.
    with ScriptedServer() as server:
        yield Receiver(
            sender=HttpCallbackSender(allow_loopback_http=True, read_seconds=1.0),
            url=server.url(),
            _answer=lambda status, headers: server.answer(Answer(status=status, headers=headers)),
            _received=lambda: [(item.body, item.headers) for item in server.received],
            _go_away=lambda: server.__exit__(None, None, None),
        )


def test_the_receiver_gets_the_body_and_every_header_and_a_2xx_is_delivered(receiver):
    receiver.answer(200)
    assert receiver.sender.post(receiver.url, BODY, HEADERS) == Delivered(200)
    ((body, headers),) = receiver.received()
    assert body == BODY
    assert {name: headers[name] for name in HEADERS} == HEADERS
    assert headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("status", [408, 429, 500, 503])
def test_a_temporary_failure_is_retried_later(receiver, status):
    receiver.answer(status)
    outcome = receiver.sender.post(receiver.url, BODY, HEADERS)
    assert isinstance(outcome, RetryLater)
    assert outcome.retry_after_seconds is None


@pytest.mark.parametrize(("given", "honoured"), [("30", 30.0), ("86400", 3600.0)])
def test_retry_after_of_a_429_is_honoured_up_to_an_hour(receiver, given, honoured):
    receiver.answer(429, {"Retry-After": given})
    outcome = receiver.sender.post(receiver.url, BODY, HEADERS)
    assert outcome == RetryLater("the receiver answered HTTP 429", honoured)


@pytest.mark.parametrize("status", [301, 302, 400, 404, 410])
def test_a_redirect_or_another_4xx_is_final(receiver, status):
    receiver.answer(status, {"Location": "https://elsewhere.example.com/"})
    assert isinstance(receiver.sender.post(receiver.url, BODY, HEADERS), Refused)


@pytest.mark.parametrize(
    "url", ["https://10.0.0.7/hook", "https://169.254.169.254/latest", "http://hooks.example.com/"]
)
def test_a_url_that_may_not_be_called_is_refused_and_nothing_is_sent(receiver, url):
    assert isinstance(receiver.sender.post(url, BODY, HEADERS), Refused)
    assert receiver.received() == []


def test_a_receiver_that_is_gone_is_retried_later(receiver):
    receiver.go_away()
    assert isinstance(receiver.sender.post(receiver.url, BODY, HEADERS), RetryLater)
