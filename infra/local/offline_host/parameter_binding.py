"""Match ``main``'s parameters to function.json bindings, as the Python worker does.

Checked once at load time, so a mismatch is a load error naming the parameter, not a
failure at the first invocation: every non-``$return`` binding needs a parameter of the
same name, every parameter needs a binding (or is the ``context``), and output bindings
need a ``func.Out[...]`` annotation.
"""

from __future__ import annotations

import enum
import inspect
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import azure.functions as func
from azure.functions import _abc as functions_abc

from .errors import FunctionLoadError
from .function_config import RETURN_BINDING, FunctionConfig, QueueTrigger
from .out_binding import OutValue
from .queue_delivery import QueueDelivery

_OUT_TEXT = re.compile(r"(^|\.)Out\[")


class TriggerForm(enum.Enum):
    """What the trigger parameter receives."""

    BINDING_TYPE = "binding type"  # func.HttpRequest, func.TimerRequest, func.QueueMessage
    TEXT = "str"
    BYTES = "bytes"


@dataclass(frozen=True)
class ParameterPlan:
    """How to build the keyword arguments of one function's entry point."""

    trigger_name: str
    trigger_form: TriggerForm
    context_name: str | None
    output_names: tuple[str, ...]

    def arguments(
        self, trigger_input: object, context: func.Context
    ) -> tuple[dict[str, Any], dict[str, OutValue[Any]]]:
        """The keyword arguments for one call, and the Out objects among them.

        Raises UnicodeDecodeError when a ``str`` trigger parameter gets non-UTF-8 bytes;
        the invocation then fails, as under the worker.
        """
        outs: dict[str, OutValue[Any]] = {name: OutValue() for name in self.output_names}
        arguments: dict[str, Any] = {self.trigger_name: self._convert(trigger_input), **outs}
        if self.context_name is not None:
            arguments[self.context_name] = context
        return arguments, outs

    def _convert(self, trigger_input: object) -> object:
        if not isinstance(trigger_input, QueueDelivery):
            return trigger_input
        if self.trigger_form is TriggerForm.TEXT:
            return trigger_input.body.decode("utf-8")
        if self.trigger_form is TriggerForm.BYTES:
            return trigger_input.body
        return trigger_input.as_queue_message()


def plan_parameters(config: FunctionConfig, entry: Callable[..., object]) -> ParameterPlan:
    """Check ``entry``'s signature against ``config`` and plan its arguments.

    Raises FunctionLoadError naming the parameters or bindings that do not line up.
    """
    hints = _type_hints(entry)
    declared = config.binding_names - {RETURN_BINDING}
    trigger_name = config.trigger.binding_name
    context_name: str | None = None
    trigger_form = TriggerForm.BINDING_TYPE
    outputs: list[str] = []
    undeclared: list[str] = []
    for parameter in inspect.signature(entry).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise FunctionLoadError(f"{config.name}: *args and **kwargs cannot receive bindings")
        annotation = hints.get(parameter.name, parameter.annotation)
        if parameter.name == trigger_name:
            trigger_form = _trigger_form(config, annotation)
        elif parameter.name in declared:
            if not _is_out(annotation):
                raise FunctionLoadError(
                    f"{config.name}: binding {parameter.name} is declared to have the 'out' "
                    "direction, but its annotation in Python is not azure.functions.Out[...]"
                )
            outputs.append(parameter.name)
        elif parameter.name == "context" or _is_context(annotation):
            context_name = parameter.name
        else:
            undeclared.append(parameter.name)
    if undeclared:
        raise FunctionLoadError(
            f"{config.name}: parameters declared in Python but not in function.json: "
            f"{', '.join(undeclared)}"
        )
    missing = declared - {trigger_name, *outputs}
    if missing:
        raise FunctionLoadError(
            f"{config.name}: bindings declared in function.json but not in Python: "
            f"{', '.join(sorted(missing))}"
        )
    return ParameterPlan(trigger_name, trigger_form, context_name, tuple(outputs))


def _type_hints(entry: Callable[..., object]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(entry)
    except Exception:  # unresolvable hints: fall back to the raw annotations
        return {}


def _is_out(annotation: object) -> bool:
    if isinstance(annotation, str):
        return bool(_OUT_TEXT.search(annotation))
    return annotation is func.Out or typing.get_origin(annotation) is func.Out


def _is_context(annotation: object) -> bool:
    if isinstance(annotation, str):
        return annotation.split(".")[-1] == "Context"
    return isinstance(annotation, type) and issubclass(annotation, functions_abc.Context)


def _trigger_form(config: FunctionConfig, annotation: object) -> TriggerForm:
    if _is_out(annotation):
        raise FunctionLoadError(f"{config.name}: the trigger parameter cannot be an Out")
    if not isinstance(config.trigger, QueueTrigger):
        return TriggerForm.BINDING_TYPE
    if annotation in (str, "str"):
        return TriggerForm.TEXT
    if annotation in (bytes, "bytes"):
        return TriggerForm.BYTES
    accepted = (
        annotation is inspect.Parameter.empty
        or (isinstance(annotation, str) and annotation.split(".")[-1] == "QueueMessage")
        or (isinstance(annotation, type) and issubclass(annotation, functions_abc.QueueMessage))
    )
    if not accepted:
        raise FunctionLoadError(
            f"{config.name}: the queueTrigger parameter must be annotated "
            f"func.QueueMessage, str or bytes, not {annotation!r}"
        )
    return TriggerForm.BINDING_TYPE
