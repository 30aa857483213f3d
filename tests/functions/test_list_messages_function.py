"""ListMessages `main`, called with a request built from its sample event, on the real
emulators: a message sent and processed through the functions is listed to its sender,
with its reference, and never to another service."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func
from azure.functions.queue import QueueMessage

import CreateMessage
import ListMessages
import ProcessMessage
from shared.adapters.queues import queue_client
from tests.builders import FISCAL_CODE, message_json
from tests.events import function_context, http_request, load_event

KEY_HEADER = "Ocp-Apim-Subscription-Key"


def _take_from_queue(local_stack, message_id: str) -> QueueMessage:
    """The queue message referencing `message_id`, as the host would pass it."""
    client = queue_client(local_stack.storage, local_stack.settings.messages_queue)
    for received in client.receive_messages(max_messages=32, visibility_timeout=1):
        if json.loads(received.content)["message_id"] == message_id:
            client.delete_message(received)
            return QueueMessage(id=received.id, body=received.content.encode(), dequeue_count=1)
    raise AssertionError(f"no queue message references {message_id}")


def _list(key: str) -> dict[str, Any]:
    event = load_event("list_messages")
    request = func.HttpRequest(
        event["method"],
        event["url"],
        headers={KEY_HEADER: key},
        params=event["params"],
        route_params=event["route_params"],
        body=b"",
    )
    response = ListMessages.main(request, function_context("ListMessages"))
    assert response.status_code == 200, response.get_body()
    body: dict[str, Any] = json.loads(response.get_body())
    return body


def test_a_processed_message_is_listed_to_its_sender_only(local_stack, sender, other_sender):
    # GIVEN a message with a reference, sent and processed through the functions
    created = CreateMessage.main(
        http_request(
            "create_message",
            headers={KEY_HEADER: sender.key},
            body=message_json(reference="PROT-FN-1"),
        ),
        function_context("CreateMessage"),
    )
    assert created.status_code == 201
    message_id = json.loads(created.get_body())["id"]
    ProcessMessage.main(
        _take_from_queue(local_stack, message_id), function_context("ProcessMessage")
    )
    # WHEN each service lists its PROCESSED messages
    mine, theirs = _list(sender.key), _list(other_sender.key)
    # THEN the sender sees it, with its reference and no fiscal code; the other does not
    listed = {item["id"]: item for item in mine["items"]}
    assert listed[message_id]["reference"] == "PROT-FN-1"
    assert listed[message_id]["status"] == "PROCESSED"
    assert FISCAL_CODE not in json.dumps(mine)
    assert message_id not in {item["id"] for item in theirs["items"]}
