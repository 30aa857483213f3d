"""A tiny status-callback receiver for local runs: `make run` starts it and registers it as
the demo service's callback, so a developer sees the signed events arrive.

    python -m infra.local.callback_receiver [--port 7072] [--secret S] [--status 500]

It listens on 127.0.0.1 only, checks each POST's Postino-Signature with the secret
(`--secret`, else the environment's CALLBACK_RECEIVER_SECRET), prints one line per event
(its id, type, message id, and whether the signature is valid) and answers 204, or the
`--status` it was told to answer (500 to watch the retries). It never prints a body.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from shared.domain.callback_signature import EVENT_ID_HEADER, verify

DEFAULT_PORT = 7072
PORT_VARIABLE = "CALLBACK_RECEIVER_PORT"
SECRET_VARIABLE = "CALLBACK_RECEIVER_SECRET"  # noqa: S105  # a name, not a secret
MAX_BODY_BYTES = 64 * 1024
READ_SECONDS = 5.0


@dataclass(frozen=True)
class ReceivedEvent:
    """What the receiver tells of one POST: never its body."""

    event_id: str
    type: str
    message_id: str
    valid: bool

    def line(self) -> str:
        verdict = "yes" if self.valid else "NO"
        return (
            f"callback event {self.event_id or '-'}: {self.type or '-'} of message "
            f"{self.message_id or '-'}, valid signature: {verdict}"
        )


def _shown(text: object) -> str:
    """A field of the event as printed: an id or a type, nothing a terminal would run."""
    return re.sub(r"[^A-Za-z0-9._:-]", "?", str(text))[:64]


def read_event(secret: bytes, headers: dict[str, str], body: bytes, *, now: int) -> ReceivedEvent:
    """The event a POST carries, and whether its signature checks out under `secret`."""
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    fields = document if isinstance(document, dict) else {}
    return ReceivedEvent(
        event_id=_shown(headers.get(EVENT_ID_HEADER.lower(), "")),
        type=_shown(fields.get("type", "")),
        message_id=_shown(fields.get("message_id", "")),
        valid=bool(secret) and verify(secret, headers, body, now=now),
    )


def _handler(
    secret: bytes, status: int, report: Callable[[ReceivedEvent], None]
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "PostinoCallbackReceiver"
        timeout = READ_SECONDS

        def do_POST(self) -> None:
            length_text = self.headers.get("Content-Length", "")
            length = int(length_text) if length_text.isdigit() else -1
            if not 0 <= length <= MAX_BODY_BYTES:
                self.send_error(413 if length > MAX_BODY_BYTES else 411)
                return
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            report(read_event(secret, headers, body, now=int(time.time())))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass  # one line per event is printed by `report`; no access log

    return Handler


def _print_line(event: ReceivedEvent) -> None:
    print(event.line(), flush=True)


class CallbackReceiver:
    """The receiver's server, on a thread of its own (tests and `make run`'s own process)."""

    def __init__(
        self,
        *,
        port: int,
        secret: bytes,
        status: int = 204,
        report: Callable[[ReceivedEvent], None] = _print_line,
    ) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(secret, status, report))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def __enter__(self) -> CallbackReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def serve_forever(self) -> None:
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get(PORT_VARIABLE) or DEFAULT_PORT),
        help=f"the port on 127.0.0.1 (default {DEFAULT_PORT}, or {PORT_VARIABLE})",
    )
    parser.add_argument(
        "--secret", help=f"the callback's signing secret (default: {SECRET_VARIABLE})"
    )
    parser.add_argument(
        "--status", type=int, default=204, help="the status to answer (default 204; 500: fail)"
    )
    args = parser.parse_args(argv)
    secret = (args.secret or os.environ.get(SECRET_VARIABLE, "")).encode("utf-8")
    if not secret:
        print("warning: no secret: every signature reads as invalid", file=sys.stderr)
    if not 100 <= args.status <= 599:
        parser.error("--status is an HTTP status, 100 to 599")
    receiver = CallbackReceiver(port=args.port, secret=secret, status=args.status)
    print(
        f"callback receiver on http://127.0.0.1:{receiver.port}/ answering {args.status}",
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        receiver.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
