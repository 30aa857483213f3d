"""Put the request body on the outbox queue and answer 202; a body of "fail" raises after
setting the output, to show that a failed invocation sends nothing."""

from __future__ import annotations

import azure.functions as func


def main(
    req: func.HttpRequest, response: func.Out[func.HttpResponse], outbox: func.Out[str]
) -> None:
    body = req.get_body().decode("utf-8")
    outbox.set(body)
    if body == "fail":
        raise RuntimeError("asked to fail")
    response.set(func.HttpResponse(status_code=202, headers={"X-Sample": "queued"}))
