"""The API key never travels in clear: plain http is refused, except to this machine, and
redirects are not followed (they would take the key header along)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from builders import a_row, fiscal_codes, write_csv, write_template
from postino_send.api import KEY_HEADER, RequestsTransport, problem_detail
from postino_send.api_url import InsecureApiUrlError, checked_api_url
from postino_send.cli import EXIT_BAD_INPUT, main
from postino_send.retry import HttpAnswer

KEY = "a-service-key-never-in-clear"


@pytest.mark.parametrize(
    "url",
    [
        "https://postino.example.org",
        "https://postino.example.org:8443/base/",
        "http://localhost:7071",
        "http://127.0.0.1:7071",
        "http://[::1]:7071",
        "HTTP://LOCALHOST:7071",
    ],
)
def test_https_and_loopback_http_are_accepted(url: str) -> None:
    assert checked_api_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://postino.example.org",
        "http://10.0.0.5:7071",
        "http://localhost.example.org",
        "http://127.0.0.1.nip.io",
        "ftp://postino.example.org",
        "postino.example.org",
        "https://",
    ],
)
def test_anything_else_is_refused(url: str) -> None:
    with pytest.raises(InsecureApiUrlError):
        checked_api_url(url)


def test_the_transport_itself_refuses_plain_http() -> None:
    with pytest.raises(InsecureApiUrlError, match="in clear"):
        RequestsTransport("http://postino.example.org", KEY)


def test_the_command_refuses_a_plain_http_url_before_sending_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN valid rows and a plain http URL to another machine
    csv_path = write_csv(tmp_path / "r.csv", [a_row(code) for code in fiscal_codes(1)])
    template = write_template(tmp_path / "t.toml")

    # WHEN the command runs
    code = main(
        [
            *[str(csv_path), "--template", str(template), "--campaign", "c1"],
            *["--api-url", "http://postino.example.org", "--api-key", KEY],
        ]
    )

    # THEN it is bad input, says why, shows no key and writes no results
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert "plain http would send the API key in clear" in err
    assert KEY not in err
    assert not (tmp_path / "r.results.csv").exists()


class _Recorder(BaseHTTPRequestHandler):
    """Answers every POST with `reply`; records the headers it received."""

    reply: tuple[int, dict[str, str]] = (200, {})
    seen: list[dict[str, str]]

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append(dict(self.headers.items()))
        status, headers = self.reply
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve(reply: tuple[int, dict[str, str]]) -> Iterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []
    handler = type("Handler", (_Recorder,), {"reply": reply, "seen": seen})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def elsewhere() -> Iterator[tuple[str, list[dict[str, str]]]]:
    yield from _serve((201, {}))


def test_a_redirect_is_not_followed_so_the_key_stays_where_it_was_sent(
    elsewhere: tuple[str, list[dict[str, str]]],
) -> None:
    # GIVEN an API that redirects every call to another server
    other_url, other_seen = elsewhere
    for api_url, _ in _serve((307, {"Location": other_url + "/api/v1/messages"})):
        # WHEN a message is posted
        answer = RequestsTransport(api_url, KEY).post("/api/v1/messages", b"{}", {})
        # THEN the redirect is the answer, and the other server never saw the key
        assert answer.status == 307
    assert other_seen == []


def test_the_key_is_sent_to_the_api_itself(elsewhere: tuple[str, list[dict[str, str]]]) -> None:
    api_url, seen = elsewhere
    assert RequestsTransport(api_url, KEY).post("/api/v1/messages", b"{}", {}).status == 201
    assert seen[0][KEY_HEADER] == KEY


def test_a_problem_detail_reaches_the_terminal_without_control_characters() -> None:
    body = b'{"detail": "bad\\u001b[2J\\u001b]0;owned\\u0007 row\\nnext"}'
    detail = problem_detail(HttpAnswer(400, {}, body))
    assert detail.isprintable()
    assert detail.startswith("HTTP 400: bad")
