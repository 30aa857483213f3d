"""Echo the route values, query and context back as JSON."""

from __future__ import annotations

import json

import azure.functions as func


def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    document = {
        "function": context.function_name,
        "route_params": dict(req.route_params),
        "params": dict(req.params),
        "method": req.method,
    }
    return func.HttpResponse(json.dumps(document), mimetype="application/json")
