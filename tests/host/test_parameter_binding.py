"""Parameters of main are matched to bindings the way the Python worker matches them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest

from infra.local.offline_host.errors import FunctionLoadError
from infra.local.offline_host.function_config import FunctionConfig, parse_function_config
from infra.local.offline_host.invocation_context import InvocationContext
from infra.local.offline_host.parameter_binding import TriggerForm, plan_parameters
from infra.local.offline_host.queue_delivery import QueueDelivery

STORAGE = {"AzureWebJobsStorage": "UseDevelopmentStorage=true"}
QUEUE_TRIGGER = {"type": "queueTrigger", "direction": "in", "name": "msg", "queueName": "work"}
QUEUE_OUT = {"type": "queue", "direction": "out", "name": "outbox", "queueName": "outbox"}
CONTEXT = InvocationContext("invocation-1", "Fn", "/app/Fn")


def config(*bindings: dict[str, Any]) -> FunctionConfig:
    return parse_function_config("Fn", Path("/app/Fn"), {"bindings": list(bindings)}, STORAGE)


def delivery(body: bytes = b"hello") -> QueueDelivery:
    return QueueDelivery(id="m1", body=body, dequeue_count=2, pop_receipt="receipt")


def test_queue_message_annotation_gets_the_full_message() -> None:
    def main(msg: func.QueueMessage) -> None: ...

    plan = plan_parameters(config(QUEUE_TRIGGER), main)
    arguments, _ = plan.arguments(delivery(), CONTEXT)
    message = arguments["msg"]
    assert isinstance(message, func.QueueMessage)
    assert (message.get_body(), message.id, message.dequeue_count) == (b"hello", "m1", 2)
    assert message.pop_receipt == "receipt"


def test_unannotated_queue_trigger_gets_a_queue_message() -> None:
    def main(msg): ...

    assert plan_parameters(config(QUEUE_TRIGGER), main).trigger_form is TriggerForm.BINDING_TYPE


def test_str_and_bytes_annotations_get_the_decoded_body() -> None:
    def as_text(msg: str) -> None: ...

    def as_bytes(msg: bytes) -> None: ...

    text_plan = plan_parameters(config(QUEUE_TRIGGER), as_text)
    bytes_plan = plan_parameters(config(QUEUE_TRIGGER), as_bytes)
    assert text_plan.arguments(delivery("caffè".encode()), CONTEXT)[0]["msg"] == "caffè"
    assert bytes_plan.arguments(delivery(b"\xff"), CONTEXT)[0]["msg"] == b"\xff"


def test_str_parameter_with_non_utf8_body_fails_the_invocation() -> None:
    def main(msg: str) -> None: ...

    plan = plan_parameters(config(QUEUE_TRIGGER), main)
    with pytest.raises(UnicodeDecodeError):
        plan.arguments(delivery(b"\xff"), CONTEXT)


def test_context_is_found_by_name_or_by_annotation() -> None:
    def by_name(msg: str, context) -> None: ...

    def by_annotation(msg: str, ctx: func.Context) -> None: ...

    for main in (by_name, by_annotation):
        plan = plan_parameters(config(QUEUE_TRIGGER), main)
        arguments, _ = plan.arguments(delivery(), CONTEXT)
        assert CONTEXT in arguments.values()
    assert CONTEXT.invocation_id == "invocation-1"
    assert CONTEXT.function_name == "Fn"
    assert CONTEXT.function_directory == "/app/Fn"
    assert CONTEXT.thread_local_storage.invocation_id == "invocation-1"  # type: ignore[attr-defined]


def test_output_binding_parameter_gets_an_out_object() -> None:
    def main(msg: str, outbox: func.Out[str]) -> None: ...

    plan = plan_parameters(config(QUEUE_TRIGGER, QUEUE_OUT), main)
    arguments, outs = plan.arguments(delivery(), CONTEXT)
    arguments["outbox"].set("sent")
    assert outs["outbox"].is_set
    assert outs["outbox"].get() == "sent"


def test_string_annotations_are_understood() -> None:
    def main(msg: "func.QueueMessage", outbox: "func.Out[str]") -> None: ...  # noqa: UP037

    main.__annotations__ = {"msg": "Missing.QueueMessage", "outbox": "Missing.Out[str]"}
    plan = plan_parameters(config(QUEUE_TRIGGER, QUEUE_OUT), main)
    assert plan.output_names == ("outbox",)


def test_parameter_without_a_binding_is_a_load_error() -> None:
    def main(msg: str, extra: str) -> None: ...

    with pytest.raises(
        FunctionLoadError, match=re.escape("declared in Python but not in function.json: extra")
    ):
        plan_parameters(config(QUEUE_TRIGGER), main)


def test_binding_without_a_parameter_is_a_load_error() -> None:
    def main(msg: str) -> None: ...

    with pytest.raises(
        FunctionLoadError, match=re.escape("declared in function.json but not in Python: outbox")
    ):
        plan_parameters(config(QUEUE_TRIGGER, QUEUE_OUT), main)


def test_output_binding_must_be_annotated_out() -> None:
    def main(msg: str, outbox: str) -> None: ...

    with pytest.raises(FunctionLoadError, match=re.escape("not azure.functions.Out")):
        plan_parameters(config(QUEUE_TRIGGER, QUEUE_OUT), main)


def test_queue_trigger_with_an_unsupported_annotation_is_a_load_error() -> None:
    def main(msg: int) -> None: ...

    with pytest.raises(FunctionLoadError, match=re.escape("func.QueueMessage, str or bytes")):
        plan_parameters(config(QUEUE_TRIGGER), main)


def test_return_binding_needs_no_parameter() -> None:
    def main(msg: str) -> str:
        return msg

    returning = {"type": "queue", "direction": "out", "name": "$return", "queueName": "results"}
    assert plan_parameters(config(QUEUE_TRIGGER, returning), main).output_names == ()


def test_variadic_parameters_are_refused() -> None:
    def main(*args: object) -> None: ...

    with pytest.raises(FunctionLoadError, match=r"\*args"):
        plan_parameters(config(QUEUE_TRIGGER), main)
