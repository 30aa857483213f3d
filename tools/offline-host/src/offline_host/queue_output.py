"""Queue output bindings: after a successful invocation, send what the function set."""

from __future__ import annotations

from collections.abc import Callable

from azure.core.exceptions import ResourceNotFoundError

from .function_config import QueueOutput
from .host_config import MessageEncoding
from .message_encoding import encode_message
from .queue_clients import QueueClients
from .worker.invocation_outcomes import OutputValue


class QueueOutputSender:
    """Sends output values as queue messages, creating the queue if it is missing."""

    def __init__(
        self,
        clients: QueueClients,
        encoding: MessageEncoding,
        on_sent: Callable[[str, str], None] | None = None,
    ) -> None:
        self._clients = clients
        self._encoding = encoding
        self._on_sent = on_sent

    def send(self, output: QueueOutput, value: OutputValue) -> None:
        """Send ``value`` (text, bytes, or several of them: one message each) to the binding's
        queue, as the worker's outcome gives it (JSON is text).

        Raises the SDK's errors when a send fails, which fails the invocation.
        """
        texts = [encode_message(payload, self._encoding) for payload in queue_payloads(value)]
        if not texts:
            return
        client = self._clients.client(output.connection_string, output.queue_name)
        for text in texts:
            try:
                client.send_message(text)
            except ResourceNotFoundError:
                client = self._clients.ensure_queue(output.connection_string, output.queue_name)
                client.send_message(text)
        if self._on_sent is not None:
            # Lets a listener on the same queue poll now instead of after its back-off,
            # as the real host's shared queue watcher does.
            self._on_sent(output.connection_string, output.queue_name)


def queue_payloads(value: OutputValue) -> list[bytes]:
    """The message bodies an output value stands for: one, or one per item of a collection."""
    items = value if isinstance(value, tuple | list) else (value,)
    return [item.encode("utf-8") if isinstance(item, str) else bytes(item) for item in items]
