"""The JSON log line: its fields, exactly one line, and no failure on odd arguments."""

from __future__ import annotations

import json
import logging
import sys

from shared.observability.json_logs import JsonFormatter
from shared.observability.log_context import bind, install_record_factory, invocation_state


def _record(msg: str, *args: object, **attributes: object) -> logging.LogRecord:
    record = logging.LogRecord("shared.x", logging.INFO, __file__, 1, msg, args, None)
    for name, value in attributes.items():
        setattr(record, name, value)
    return record


def _line(record: logging.LogRecord) -> dict[str, object]:
    text = JsonFormatter().format(record)
    assert "\n" not in text
    parsed: dict[str, object] = json.loads(text)
    return parsed


def test_a_line_carries_time_level_logger_message_and_the_invocation_ids():
    # GIVEN a record made inside an invocation that knows its request and message
    install_record_factory()
    with invocation_state("CreateMessage", "inv-1"):
        bind(request_id="req-1", message_id="01JCZ0000000000000000000AA", service_id="svc-1")
        record = logging.getLogRecordFactory()(
            "shared.x", logging.WARNING, __file__, 1, "message %s accepted", ("m1",), None
        )
    # WHEN it is formatted
    line = _line(record)
    # THEN every field is there, the message with its arguments applied
    assert str(line["timestamp"]).endswith("Z")
    assert {k: v for k, v in line.items() if k != "timestamp"} == {
        "level": "WARNING",
        "logger": "shared.x",
        "message": "message m1 accepted",
        "function": "CreateMessage",
        "invocation_id": "inv-1",
        "request_id": "req-1",
        "message_id": "01JCZ0000000000000000000AA",
        "service_id": "svc-1",
    }


def test_the_finished_fields_appear_when_the_record_has_them():
    line = _line(_record("done", outcome="failed", status="503", duration_ms=12.5))
    assert (line["outcome"], line["status"], line["duration_ms"]) == ("failed", "503", 12.5)


def test_newlines_in_the_message_and_a_traceback_stay_on_one_line():
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        record = _record("first\nsecond")
        record.exc_info = sys.exc_info()
    line = _line(record)
    assert line["message"] == "first\nsecond"
    assert "ValueError: boom" in line["exception"]  # type: ignore[operator]


def test_arguments_that_do_not_fit_the_format_do_not_raise():
    line = _line(_record("%d items of %s", "not a number"))
    assert line["message"] == "%d items of %s [unformattable arguments]"


def test_values_json_cannot_encode_are_written_as_text():
    line = _line(_record("x", status=object()))
    assert str(line["status"]).startswith("<object object")
