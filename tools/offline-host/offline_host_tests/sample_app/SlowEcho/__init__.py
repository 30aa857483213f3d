"""Take ``?seconds=`` to answer, so tests can have an invocation in flight."""

from __future__ import annotations

import time

import azure.functions as func


def main(req: func.HttpRequest) -> func.HttpResponse:
    seconds = float(req.params.get("seconds", "1"))
    time.sleep(seconds)
    return func.HttpResponse(f"slept {seconds}")
