"""A tiny v1 function app, written into a folder by the tests that run it in worker processes.

One function per behaviour the pool must carry: sync and async HTTP, a queue trigger with an
output binding, a timer, a function that raises, one that prints, one that kills its process,
and one whose parameters do not match its function.json (its load fails).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from offline_host.discovery import Discovery, discover_functions
from offline_host.host_config import read_host_config
from offline_host.worker.metadata import function_metadata
from offline_host.worker.protocol import pb

SETTINGS = {"AzureWebJobsStorage": "UseDevelopmentStorage=true"}

HTTP_OUT = {"type": "http", "direction": "out", "name": "$return"}


def _http_trigger(route: str) -> dict[str, Any]:
    return {
        "type": "httpTrigger",
        "direction": "in",
        "name": "req",
        "authLevel": "anonymous",
        "route": route,
    }


SHARED_MODULE = '''
"""Imported by the functions as the app's own package, like Postino's ``shared``."""

GREETING = "hello from tiny_shared"
'''

ECHO = """
import json
import logging
import os
import sys

import azure.functions as func

from tiny_shared import GREETING

logger = logging.getLogger("tiny.echo")


def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    logger.info("echo of %s", req.route_params.get("id", "-"))
    document = {
        "method": req.method,
        "url": req.url,
        "headers": dict(req.headers),
        "params": dict(req.params),
        "route_params": dict(req.route_params),
        "body": req.get_body().decode(),
        "greeting": GREETING,
        "shared_modules": sorted(name for name in sys.modules if "tiny_shared" in name),
        "pid": os.getpid(),
        "invocation_id": context.invocation_id,
    }
    return func.HttpResponse(
        json.dumps(document),
        status_code=201,
        mimetype="application/json",
        headers={"X-Echo": "yes", "Set-Cookie": "session=abc; Path=/; HttpOnly"},
    )
"""

ASYNC_ECHO = """
import asyncio
import logging

import azure.functions as func

logger = logging.getLogger("tiny.async")


async def main(req: func.HttpRequest) -> func.HttpResponse:
    await asyncio.sleep(0)
    logger.warning("async echo")
    return func.HttpResponse(b"async:" + req.get_body())
"""

RELAY = """
import json

import azure.functions as func


def main(msg: func.QueueMessage, outbox: func.Out[str]) -> None:
    outbox.set(json.dumps({
        "id": msg.id,
        "body": msg.get_body().decode(),
        "dequeue_count": msg.dequeue_count,
        "pop_receipt": msg.pop_receipt,
        "insertion_time": msg.insertion_time.isoformat(),
        "expiration_time": msg.expiration_time.isoformat(),
        "next_visible": msg.time_next_visible.isoformat(),
    }))
"""

TICK = """
import json

import azure.functions as func


def main(timer: func.TimerRequest, ticks: func.Out[str]) -> None:
    ticks.set(json.dumps({"past_due": timer.past_due}))
"""

FAILS = """
import azure.functions as func


def main(req: func.HttpRequest) -> func.HttpResponse:
    raise ValueError("the tiny app fails on purpose")
"""

CHATTY = """
import os
import sys

import azure.functions as func


def main(req: func.HttpRequest) -> func.HttpResponse:
    print("chatty " * 2000)
    sys.stdout.write("\\x00\\x00\\x00\\x10not a frame\\n")
    os.write(1, b"\\x00\\x00\\x01\\x00written to fd 1\\n")
    return func.HttpResponse("still framed")
"""

DIES = """
import os

import azure.functions as func


def main(req: func.HttpRequest) -> func.HttpResponse:
    os._exit(3)
"""

BROKEN_LOAD = """
import azure.functions as func


def main(request: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("never")
"""

QUEUE_OUT = {"type": "queue", "direction": "out", "queueName": "tiny-out"}

FUNCTIONS: dict[str, tuple[list[dict[str, Any]], str]] = {
    "Echo": ([_http_trigger("echo/{id?}"), HTTP_OUT], ECHO),
    "AsyncEcho": ([_http_trigger("async-echo"), HTTP_OUT], ASYNC_ECHO),
    "Relay": (
        [
            {"type": "queueTrigger", "direction": "in", "name": "msg", "queueName": "tiny-in"},
            {**QUEUE_OUT, "name": "outbox"},
        ],
        RELAY,
    ),
    "Tick": (
        [
            {"type": "timerTrigger", "direction": "in", "name": "timer", "schedule": "0 0 0 1 1 *"},
            {**QUEUE_OUT, "name": "ticks"},
        ],
        TICK,
    ),
    "Fails": ([_http_trigger("fails"), HTTP_OUT], FAILS),
    "Chatty": ([_http_trigger("chatty"), HTTP_OUT], CHATTY),
    "Dies": ([_http_trigger("dies"), HTTP_OUT], DIES),
    "BrokenLoad": ([_http_trigger("broken"), HTTP_OUT], BROKEN_LOAD),
}


def write_tiny_app(
    root: Path, functions: Mapping[str, tuple[list[dict[str, Any]], str]] = FUNCTIONS
) -> Path:
    """Write the app (``functions``, by default all of the above) into ``root``; return it."""
    (root / "host.json").write_text(json.dumps({"version": "2.0"}), encoding="utf-8")
    (root / "tiny_shared").mkdir()
    (root / "tiny_shared" / "__init__.py").write_text(SHARED_MODULE, encoding="utf-8")
    for name, (bindings, code) in functions.items():
        folder = root / name
        folder.mkdir()
        (folder / "function.json").write_text(
            json.dumps({"scriptFile": "__init__.py", "bindings": bindings}), encoding="utf-8"
        )
        (folder / "__init__.py").write_text(code, encoding="utf-8")
    return root


def discover(app_root: Path, settings: Mapping[str, str]) -> Discovery:
    """The host's discovery of the app's functions, with ``settings`` as app settings."""
    environ = {**os.environ, **settings}
    return discover_functions(app_root, read_host_config(app_root, environ), environ)


def app_metadata(discovery: Discovery) -> list[pb.RpcFunctionMetadata]:
    return [function_metadata(config) for config in discovery.functions]
