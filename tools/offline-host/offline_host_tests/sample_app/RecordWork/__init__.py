"""Report what the host delivered: body, id and dequeue count, on the results queue."""

from __future__ import annotations

import json

import azure.functions as func


def main(msg: func.QueueMessage) -> str:
    return json.dumps(
        {
            "body": msg.get_body().decode("utf-8"),
            "id": msg.id,
            "dequeue_count": msg.dequeue_count,
            "has_pop_receipt": bool(msg.pop_receipt),
            "has_insertion_time": msg.insertion_time is not None,
        }
    )
