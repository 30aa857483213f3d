"""The ``context`` argument: a ``func.Context`` for one invocation."""

from __future__ import annotations

import secrets
import threading
from typing import cast

import azure.functions as func

# The trace and retry context interfaces are not re-exported by azure.functions.
from azure.functions import _abc as functions_abc


class InvocationContext(func.Context):
    """Invocation id, function name and folder, plus empty trace and retry contexts."""

    def __init__(self, invocation_id: str, function_name: str, function_directory: str) -> None:
        self._invocation_id = invocation_id
        self._function_name = function_name
        self._function_directory = function_directory
        self._local = threading.local()
        self._local.invocation_id = invocation_id
        self._trace = _TraceContext(f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00")

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return self._function_directory

    @property
    def thread_local_storage(self) -> type[threading.local]:
        # azure-functions annotates a type, but the worker hands out an instance; so do we.
        return cast("type[threading.local]", self._local)

    @property
    def trace_context(self) -> functions_abc.TraceContext:
        return self._trace

    @property
    def retry_context(self) -> functions_abc.RetryContext:
        return _NO_RETRY


class _TraceContext(functions_abc.TraceContext):
    def __init__(self, trace_parent: str) -> None:
        self._trace_parent = trace_parent

    @property
    def trace_state(self) -> str:
        return ""

    @property
    def trace_parent(self) -> str:
        return self._trace_parent

    @property
    def attributes(self) -> dict[str, str]:
        return {}


class _NoException(functions_abc.RpcException):
    @property
    def source(self) -> str:
        return ""

    @property
    def stack_trace(self) -> str:
        return ""

    @property
    def message(self) -> str:
        return ""


class _NoRetry(functions_abc.RetryContext):
    """No retry policy: the offline host does not run host.json ``retry`` policies."""

    @property
    def retry_count(self) -> int:
        return 0

    @property
    def max_retry_count(self) -> int:
        return 0

    @property
    def exception(self) -> functions_abc.RpcException:
        return _NoException()


_NO_RETRY = _NoRetry()
