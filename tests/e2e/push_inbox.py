"""The local push queue as the e2e tests read it: every push taken off the queue once and
kept here by message id, so a test can wait for its message's pushes and count them."""

from __future__ import annotations

import time
from collections import defaultdict

from shared.adapters.push_queue import push_from_json
from shared.adapters.queues import queue_client
from shared.bootstrap import build_app
from shared.domain.push import Push, ReminderKind


class PushInbox:
    def __init__(self, settings) -> None:
        app = build_app(settings)
        self._client = queue_client(settings.storage, app.settings.push_queue)
        self._by_message: dict[str, list[Push]] = defaultdict(list)

    def _drain(self) -> None:
        for message in self._client.receive_messages(max_messages=32, visibility_timeout=30):
            push = push_from_json(message.content)
            self._by_message[push.message_id].append(push)
            self._client.delete_message(message)

    def pushes(self, message_id: str, kind: ReminderKind = ReminderKind.NEW_MESSAGE) -> list[Push]:
        self._drain()
        return [push for push in self._by_message[message_id] if push.kind is kind]

    def wait_for(self, message_id: str, timeout: float = 15.0) -> list[Push]:
        """The new-message pushes of `message_id`, once there is at least one."""
        deadline = time.monotonic() + timeout
        while not (found := self.pushes(message_id)):
            assert time.monotonic() < deadline, f"no push for message {message_id}"
            time.sleep(0.2)
        return found
