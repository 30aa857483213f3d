"""The one place the offline host makes queue clients.

The host's clients move message text verbatim (no SDK encode or decode policy) and apply
messageEncoding itself, in ``message_encoding``. It must: a message that is not valid base64
would make the SDK's decode policy fail the whole receive call, and a poison message has to
be copied to ``<queue>-poison`` exactly as it arrived. The bytes on the wire are the same as
with ``TextBase64EncodePolicy``, which app code must use when sending under base64.
"""

from __future__ import annotations

import contextlib
import threading

from azure.core.exceptions import ResourceExistsError
from azure.storage.queue import QueueClient


class QueueClients:
    """Caches one client per (connection string, queue) and creates queues on demand."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str], QueueClient] = {}
        self._existing: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def client(self, connection_string: str, queue_name: str) -> QueueClient:
        """A client for ``queue_name`` that sends and receives message text as is."""
        key = (connection_string, queue_name)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = QueueClient.from_connection_string(connection_string, queue_name)
                self._clients[key] = client
            return client

    def ensure_queue(self, connection_string: str, queue_name: str) -> QueueClient:
        """The client for ``queue_name``, after creating the queue if it does not exist."""
        client = self.client(connection_string, queue_name)
        key = (connection_string, queue_name)
        if key not in self._existing:
            with contextlib.suppress(ResourceExistsError):
                client.create_queue()
            self._existing.add(key)
        return client

    def close(self) -> None:
        """Close every cached client's connections."""
        with self._lock:
            clients = list(self._clients.values())
            self._clients.clear()
        for client in clients:
            client.close()
