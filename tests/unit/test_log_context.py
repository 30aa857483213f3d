"""The invocation's ids follow every log line, per invocation, and the "finished" line."""

from __future__ import annotations

import logging
import threading

import pytest

from shared.observability.invocation import invocation
from shared.observability.log_context import bind, note_status, scope

LOGGER = logging.getLogger("shared.test")


def _fields(record: logging.LogRecord) -> dict[str, object]:
    names = ("function", "invocation_id", "request_id", "message_id", "service_id")
    return {name: getattr(record, name) for name in names if hasattr(record, name)}


def _finished(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    (record,) = [r for r in caplog.records if hasattr(r, "outcome")]
    return record


def test_lines_carry_the_ids_bound_so_far_and_the_finished_line_all_of_them(caplog):
    caplog.set_level(logging.INFO)
    # GIVEN an invocation with the host's invocation id
    with invocation("ProcessMessage", "inv-1"):
        LOGGER.info("before")
        # WHEN the message and the service become known
        bind(message_id="m1")
        bind(service_id="svc-1")
        LOGGER.info("after")
        note_status("PROCESSED")
    before, after = (r for r in caplog.records if r.name == "shared.test")
    # THEN each line has what was known when it was written
    assert _fields(before) == {"function": "ProcessMessage", "invocation_id": "inv-1"}
    assert _fields(after) == {
        "function": "ProcessMessage",
        "invocation_id": "inv-1",
        "message_id": "m1",
        "service_id": "svc-1",
    }
    finished = _finished(caplog)
    assert _fields(finished)["message_id"] == "m1"
    assert (finished.outcome, finished.status) == ("succeeded", "PROCESSED")  # type: ignore[attr-defined]
    assert finished.duration_ms >= 0  # type: ignore[attr-defined]


def test_nothing_is_carried_outside_an_invocation(caplog):
    caplog.set_level(logging.INFO)
    with invocation("CreateMessage", "inv-1"):
        bind(request_id="r1")
    bind(request_id="r2")  # no invocation: ignored
    LOGGER.info("outside")
    assert _fields(caplog.records[-1]) == {}


def test_an_invocation_without_a_host_id_gets_a_new_one(caplog):
    caplog.set_level(logging.INFO)
    with invocation("CreateMessage"):
        LOGGER.info("x")
    with invocation("CreateMessage"):
        LOGGER.info("y")
    first, second = (r.invocation_id for r in caplog.records if r.name == "shared.test")
    assert first
    assert first != second


def test_a_scope_binds_for_its_block_only(caplog):
    caplog.set_level(logging.INFO)
    with invocation("ReminderTimer", "inv-1"):
        for message_id in ("m1", "m2"):
            with scope(message_id=message_id):
                bind(service_id="svc-" + message_id)
                LOGGER.info("entry")
        LOGGER.info("run done")
    entries = [r for r in caplog.records if r.name == "shared.test"]
    assert [(r.__dict__.get("message_id"), r.__dict__.get("service_id")) for r in entries] == [
        ("m1", "svc-m1"),
        ("m2", "svc-m2"),
        (None, None),
    ]


def test_a_raising_invocation_is_logged_failed_and_the_error_passes_through(caplog):
    caplog.set_level(logging.INFO)
    with pytest.raises(RuntimeError), invocation("ProcessMessage", "inv-1"):
        raise RuntimeError("storage away")
    finished = _finished(caplog)
    assert finished.outcome == "failed"  # type: ignore[attr-defined]
    assert finished.levelno == logging.WARNING


def test_an_http_answer_of_500_is_a_failure(caplog):
    caplog.set_level(logging.INFO)
    with invocation("CreateMessage", "inv-1"):
        note_status(500)
    assert _finished(caplog).outcome == "failed"  # type: ignore[attr-defined]


def test_concurrent_invocations_on_threads_keep_their_own_ids(caplog):
    caplog.set_level(logging.INFO)
    barrier = threading.Barrier(2)

    def run(name: str) -> None:
        with invocation("ProcessMessage", f"inv-{name}"):
            bind(message_id=f"m-{name}")
            barrier.wait(timeout=5)  # both bound before either logs
            LOGGER.info("working on %s", name)

    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seen = {
        (r.invocation_id, r.message_id, r.getMessage())
        for r in caplog.records
        if r.name == "shared.test"
    }
    assert seen == {("inv-a", "m-a", "working on a"), ("inv-b", "m-b", "working on b")}
