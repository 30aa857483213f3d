"""The local callback receiver `make run` starts: it checks each event's signature, prints
one line per event and never a body, and answers what it was told to."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from infra.local.callback_receiver import CallbackReceiver, ReceivedEvent
from infra.local.emulators import PROJECT_ROOT, free_port, port_is_open
from shared.adapters.callback_http import HttpCallbackSender
from shared.domain.callback_signature import signature_headers
from shared.domain.callbacks import Delivered, RetryLater

SECRET = b"the-demo-secret"
EVENT = {
    "id": "01JEV0000000000000000000E1",
    "type": "message.rejected",
    "occurred_at": "2026-12-03T10:00:00Z",
    "message_id": "01JMS0000000000000000000M1",
    "reason": "USER_NOT_FOUND",
}


def _post(port: int, *, secret: bytes = SECRET, body: bytes | None = None):
    body = json.dumps(EVENT).encode() if body is None else body
    headers = signature_headers(
        [secret], event_id=EVENT["id"], timestamp=int(time.time()), body=body
    )
    sender = HttpCallbackSender(allow_loopback_http=True, read_seconds=2.0)
    return sender.post(f"http://127.0.0.1:{port}/callbacks", body, headers)


def test_a_signed_event_is_told_in_one_line_with_a_valid_signature():
    seen: list[ReceivedEvent] = []
    with CallbackReceiver(port=0, secret=SECRET, report=seen.append) as receiver:
        outcome = _post(receiver.port)
    assert outcome == Delivered(204)
    assert seen == [
        ReceivedEvent(
            event_id=EVENT["id"],
            type="message.rejected",
            message_id=EVENT["message_id"],
            valid=True,
        )
    ]
    line = seen[0].line()
    assert line == (
        f"callback event {EVENT['id']}: message.rejected of message {EVENT['message_id']}, "
        "valid signature: yes"
    )
    assert "USER_NOT_FOUND" not in line


def test_an_event_signed_with_another_secret_is_told_invalid():
    seen: list[ReceivedEvent] = []
    with CallbackReceiver(port=0, secret=SECRET, report=seen.append) as receiver:
        _post(receiver.port, secret=b"someone-else")
    assert [event.valid for event in seen] == [False]
    assert seen[0].line().endswith("valid signature: NO")


def test_what_a_body_holds_is_printed_only_as_safe_characters():
    seen: list[ReceivedEvent] = []
    body = json.dumps({"type": "message.read\x1b[31m", "message_id": ["not", "an", "id"]})
    with CallbackReceiver(port=0, secret=SECRET, report=seen.append) as receiver:
        _post(receiver.port, body=body.encode())
    assert "\x1b" not in seen[0].line()


def test_it_can_be_told_to_fail_so_the_retries_can_be_watched():
    seen: list[ReceivedEvent] = []
    with CallbackReceiver(port=0, secret=SECRET, status=500, report=seen.append) as receiver:
        outcome = _post(receiver.port)
    assert outcome == RetryLater("the receiver answered HTTP 500")
    assert len(seen) == 1


# `python -m infra.local.callback_receiver`, with Ctrl-C turned into KeyboardInterrupt as in a
# terminal even when the suite runs as a background job (which starts with SIGINT ignored,
# and Python leaves an ignored SIGINT ignored).
AS_IN_A_TERMINAL = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('infra.local.callback_receiver', run_name='__main__', alter_sys=True)"
)


def test_the_command_prints_each_event_and_stops_on_ctrl_c():
    # GIVEN the receiver started as make run starts it, its secret in the environment
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", AS_IN_A_TERMINAL, "--port", str(port)],
        cwd=PROJECT_ROOT,
        env={"CALLBACK_RECEIVER_SECRET": SECRET.decode(), "PATH": ""},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not port_is_open(port):
            assert process.poll() is None
            assert time.monotonic() < deadline, "the receiver did not start"
            time.sleep(0.05)
        # WHEN an event arrives and the receiver is interrupted
        assert _post(port) == Delivered(204)
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    # THEN it printed its address and one line for the event, and ended cleanly
    assert process.returncode == 0
    assert f"callback event {EVENT['id']}: message.rejected" in out
    assert "valid signature: yes" in out
    assert not port_is_open(port)
