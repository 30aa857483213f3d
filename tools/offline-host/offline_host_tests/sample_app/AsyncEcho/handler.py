"""Echo the body back, asynchronously."""

from __future__ import annotations

import asyncio

import azure.functions as func


async def run(req: func.HttpRequest) -> func.HttpResponse:
    await asyncio.sleep(0)
    return func.HttpResponse(req.get_body(), mimetype="application/octet-stream")
