"""The fields each log line of an invocation carries, kept in a context variable.

An invocation starts with its function name and invocation id; code that learns the
request id, the message id or the service id binds it, and every record created from then
on in the same context carries it (a record factory stamps the fields on the record).
Only ids go here: never a fiscal code, key or anything from a message's content.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

# The record attributes the JSON lines show, in order.
CONTEXT_FIELDS = ("function", "invocation_id", "request_id", "message_id", "service_id")


@dataclass
class InvocationState:
    """One invocation's fields, and the status it ended with (an HTTP status, a message
    status), shared by all the code the invocation runs."""

    fields: dict[str, str]
    status: str | None = None


_current: ContextVar[InvocationState | None] = ContextVar("postino_invocation", default=None)


def current() -> InvocationState | None:
    return _current.get()


@contextmanager
def invocation_state(function: str, invocation_id: str) -> Iterator[InvocationState]:
    """Make a fresh state current for the duration of one invocation."""
    state = InvocationState({"function": function, "invocation_id": invocation_id})
    token = _current.set(state)
    try:
        yield state
    finally:
        _current.reset(token)


def bind(
    *,
    request_id: str | None = None,
    message_id: str | None = None,
    service_id: str | None = None,
) -> None:
    """Add ids to the current invocation's fields; outside an invocation, do nothing."""
    state = _current.get()
    if state is None:
        return
    for name, value in (
        ("request_id", request_id),
        ("message_id", message_id),
        ("service_id", service_id),
    ):
        if value:
            state.fields[name] = value


@contextmanager
def scope(*, message_id: str | None = None, service_id: str | None = None) -> Iterator[None]:
    """Bind ids for a part of an invocation (one reminder entry); what was bound before,
    and nothing bound inside, holds again afterwards."""
    state = _current.get()
    if state is None:
        yield
        return
    saved = dict(state.fields)
    bind(message_id=message_id, service_id=service_id)
    try:
        yield
    finally:
        state.fields = saved


def fork() -> None:
    """Give the current context a copy of the invocation's fields of its own: for a thread
    that works one part of an invocation (run in a copied context), so that what it binds
    stays its own and its log lines still carry the invocation's ids."""
    state = _current.get()
    if state is not None:
        _current.set(InvocationState(dict(state.fields), state.status))


def note_status(status: object) -> None:
    """Record what the invocation answered or decided, for its "finished" line."""
    state = _current.get()
    if state is not None:
        state.status = str(status)


_installed = False


def install_record_factory() -> None:
    """Stamp the current fields on every log record created from now on (idempotent)."""
    global _installed  # noqa: PLW0603 - one factory per process
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        state = _current.get()
        if state is not None:
            for name, value in state.fields.items():
                setattr(record, name, value)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
