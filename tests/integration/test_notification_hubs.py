"""NotificationHubPushSender against a local HTTP server that plays Azure Notification Hubs:
it checks the request as the service would (the SAS signature recomputed from the shared
key, its expiry and scope, the path, api-version, headers and body) and answers like it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from shared.adapters.notification_hubs import (
    REQUEST_TIMEOUT_SECONDS,
    NotificationHubPushSender,
    parse_hub_connection,
)
from shared.domain.citizen_hash import push_tag
from shared.domain.errors import PushDeliveryError
from shared.domain.push import ReminderKind, reminder_push
from tests.fakes import FakeClock

FISCAL_CODE = "RSSMRA80A01H501U"
HUB = "postino-reminders"
KEY_NAME = "DefaultFullSharedAccessSignature"
KEY = "bG9jYWwtaHViLWtleS1mb3ItdGVzdHM="
CONNECTION = (
    "Endpoint=sb://postino-test.servicebus.windows.net/;"
    f"SharedAccessKeyName={KEY_NAME};SharedAccessKey={KEY}"
)
TAG_PATTERN = re.compile(r"citizen_[0-9a-f]{32}")
PROPERTIES = {"kind", "language", "title", "body", "message_id", "collapse_key", "expires_at"}
PUSH = reminder_push(
    tag=push_tag(FISCAL_CODE, "hash-key"),
    kind=ReminderKind.PAYMENT,
    preferred_languages=("it_IT",),
    message_id="01JCZ0000000000000000000P1",
    expires_at=datetime(2026, 12, 31, 0, 0, tzinfo=UTC),
)


@dataclass
class SeenRequest:
    path: str
    headers: dict[str, str]
    body: bytes
    problems: list[str]
    status: int


@dataclass
class HubBehaviour:
    """What the stand-in answers once a request passes its checks, and how late."""

    status: int = 201
    delay_seconds: float = 0.0
    seen: list[SeenRequest] = field(default_factory=list)


def _authorization_problems(header: str, requested_url: str) -> list[str]:
    """The service's SAS checks: the signature recomputed from the shared key over the
    token's own (encoded) resource and expiry, an unexpired token, the key's name, and a
    resource that covers the requested URL."""
    scheme, _, token = header.partition(" ")
    if scheme != "SharedAccessSignature":
        return ["not a SharedAccessSignature"]
    fields = dict(part.split("=", 1) for part in token.split("&") if "=" in part)
    if set(fields) != {"sr", "sig", "se", "skn"}:
        return [f"token fields {sorted(fields)}"]
    problems = []
    expected = base64.b64encode(
        hmac.new(KEY.encode(), f"{fields['sr']}\n{fields['se']}".encode(), hashlib.sha256).digest()
    ).decode()
    if not hmac.compare_digest(unquote(fields["sig"]), expected):
        problems.append("bad signature")
    if not fields["se"].isdigit() or int(fields["se"]) <= time.time():
        problems.append("expired token")
    if fields["skn"] != KEY_NAME:
        problems.append("unknown key name")
    if fields["sr"] != fields["sr"].lower() or not requested_url.lower().startswith(
        unquote(fields["sr"])
    ):
        problems.append("token scope does not cover the URL")
    return problems


def _request_problems(path: str, query: str, headers: dict[str, str], body: bytes) -> list[str]:
    problems = []
    if path != f"/{HUB}/messages/":
        problems.append(f"no hub at {path}")
    if parse_qs(query).get("api-version") != ["2015-01"]:
        problems.append(f"api-version in {query!r}")
    if headers.get("content-type") != "application/json;charset=utf-8":
        problems.append("content type")
    if headers.get("servicebusnotification-format") != "template":
        problems.append("format")
    if not TAG_PATTERN.fullmatch(headers.get("servicebusnotification-tags", "")):
        problems.append("tags")
    try:
        properties = json.loads(body.decode("utf-8"))
    except ValueError:
        return [*problems, "body is not JSON"]
    if not isinstance(properties, dict) or set(properties) != PROPERTIES:
        problems.append("body is not the template properties")
    elif not all(isinstance(value, str) for value in properties.values()):
        problems.append("template properties must be strings")
    return problems


class FakeHubHandler(BaseHTTPRequestHandler):
    server: FakeHubServer

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        body = self.rfile.read(int(headers.get("content-length", "0")))
        requested = f"http://{self.server.host}:{self.server.port}{url.path}"
        auth_problems = _authorization_problems(headers.get("authorization", ""), requested)
        problems = _request_problems(url.path, url.query, headers, body)
        if FISCAL_CODE.encode() in body or FISCAL_CODE in json.dumps(headers):
            problems.append("a fiscal code in the request")
        behaviour = self.server.behaviour
        if auth_problems:
            status = 401
        elif any(problem.startswith("no hub") for problem in problems):
            status = 404
        elif problems:
            status = 400
        else:
            status = behaviour.status
        behaviour.seen.append(
            SeenRequest(url.path, headers, body, auth_problems + problems, status)
        )
        time.sleep(behaviour.delay_seconds)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return None


class FakeHubServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FakeHubHandler)
        self.host, self.port = "127.0.0.1", self.server_address[1]
        self.behaviour = HubBehaviour()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/"


@pytest.fixture
def hub() -> Iterator[FakeHubServer]:
    server = FakeHubServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _sender(
    hub: FakeHubServer,
    *,
    connection: str = CONNECTION,
    clock: FakeClock | None = None,
    timeout: float = REQUEST_TIMEOUT_SECONDS,
    hub_name: str = HUB,
) -> NotificationHubPushSender:
    return NotificationHubPushSender(
        parse_hub_connection(connection),
        hub_name,
        clock=clock or FakeClock(datetime.now(UTC)),
        endpoint=hub.base_url,
        timeout=timeout,
    )


def test_a_push_is_accepted_and_the_hub_saw_one_well_formed_request(hub):
    # WHEN a push is sent
    _sender(hub).send(PUSH)
    # THEN the hub saw exactly one request, which passed every check, and answered 201
    (seen,) = hub.behaviour.seen
    assert (seen.problems, seen.status) == ([], 201)
    # AND it addressed the citizen's tag with the push's template properties, strings only
    assert seen.headers["servicebusnotification-tags"] == PUSH.tag
    assert json.loads(seen.body) == {
        "kind": "PAYMENT",
        "language": "it",
        "title": "Promemoria",
        "body": "Hai un avviso da pagare",
        "message_id": "01JCZ0000000000000000000P1",
        "collapse_key": "01JCZ0000000000000000000P1",
        "expires_at": "2026-12-31T00:00:00+00:00",
    }


def test_a_push_without_expiry_sends_an_empty_expiry_and_non_ascii_text_as_utf8(hub):
    push = reminder_push(
        tag=PUSH.tag,
        kind=ReminderKind.DUE_TOMORROW,
        preferred_languages=("de_DE",),
        message_id="01JCZ0000000000000000000P2",
        expires_at=None,
    )
    _sender(hub).send(push)
    (seen,) = hub.behaviour.seen
    assert seen.problems == []
    properties = json.loads(seen.body.decode("utf-8"))
    assert properties["expires_at"] == ""
    assert properties["body"] == "Eine Zahlung ist morgen fällig"


def test_a_wrong_key_is_refused_and_not_retryable(hub):
    wrong = CONNECTION.replace(KEY, "d3Jvbmcta2V5")
    with pytest.raises(PushDeliveryError) as raised:
        _sender(hub, connection=wrong).send(PUSH)
    assert raised.value.retryable is False
    assert [seen.problems for seen in hub.behaviour.seen] == [["bad signature"]]
    assert "d3Jvbmcta2V5" not in str(raised.value)


def test_a_token_made_by_a_clock_far_behind_is_expired_for_the_hub(hub):
    behind = FakeClock(datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(PushDeliveryError) as raised:
        _sender(hub, clock=behind).send(PUSH)
    assert raised.value.retryable is False
    assert [seen.problems for seen in hub.behaviour.seen] == [["expired token"]]


def test_an_unknown_hub_answers_404_and_is_not_retryable(hub):
    with pytest.raises(PushDeliveryError) as raised:
        _sender(hub, hub_name="no-such-hub").send(PUSH)
    assert raised.value.retryable is False
    assert [seen.status for seen in hub.behaviour.seen] == [404]


@pytest.mark.parametrize(
    ("status", "retryable"), [(429, True), (500, True), (503, True), (400, False), (403, False)]
)
def test_answers_map_to_retryable_or_not(hub, status, retryable):
    hub.behaviour.status = status
    with pytest.raises(PushDeliveryError) as raised:
        _sender(hub).send(PUSH)
    assert raised.value.retryable is retryable
    assert str(status) in str(raised.value)
    assert [seen.problems for seen in hub.behaviour.seen] == [[]]


def test_a_hub_that_does_not_answer_in_time_is_retryable(hub):
    hub.behaviour.delay_seconds = 2.0
    started = time.monotonic()
    with pytest.raises(PushDeliveryError) as raised:
        _sender(hub, timeout=0.3).send(PUSH)
    assert raised.value.retryable is True
    assert time.monotonic() - started < 1.5


def test_an_unreachable_hub_is_retryable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = NotificationHubPushSender(
        parse_hub_connection(CONNECTION),
        HUB,
        clock=FakeClock(datetime.now(UTC)),
        endpoint=f"http://127.0.0.1:{port}/",
    )
    with pytest.raises(PushDeliveryError) as raised:
        sender.send(PUSH)
    assert raised.value.retryable is True
