"""A hand-written fake of Postino's institution API, behind the Transport port."""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from postino_send.retry import HttpAnswer, TransportError


def answer(status: int, body: object = None, **headers: str) -> HttpAnswer:
    content = b"" if body is None else json.dumps(body).encode()
    return HttpAnswer(status, {k.replace("_", "-"): v for k, v in headers.items()}, content)


def problem(status: int, detail: str, **headers: str) -> HttpAnswer:
    return answer(status, {"status": status, "title": "t", "detail": detail}, **headers)


@dataclass
class FakePostino:
    """Profiles and messages as the API answers them, with Idempotency-Key replays.

    `script` answers (or raises) first, call by call, before the normal behaviour:
    e.g. [problem(429, ..., Retry_After="2"), TransportError("lost")].
    """

    registered: set[str] = field(default_factory=set)
    blocked: set[str] = field(default_factory=set)
    script: list[HttpAnswer | Exception] = field(default_factory=list)
    on_post: Callable[[str], None] = lambda path: None
    messages: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # key -> id, body
    created: Counter[str] = field(default_factory=Counter)  # fiscal code -> messages
    calls: list[str] = field(default_factory=list)
    down: bool = False  # every call lost, as with the API unreachable (after the script)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> HttpAnswer:
        self.on_post(path)
        with self._lock:
            self.calls.append(path)
            if self.script:
                scripted = self.script.pop(0)
                if isinstance(scripted, Exception):
                    raise scripted
                return scripted
            if self.down:
                raise TransportError("ConnectionError")
            return self._answer(path, body, headers)

    def _answer(self, path: str, body: bytes, headers: Mapping[str, str]) -> HttpAnswer:
        fiscal_code = json.loads(body)["fiscal_code"]
        if path == "/api/v1/profiles":
            if fiscal_code not in self.registered:
                return problem(404, "no such citizen")
            allowed = fiscal_code not in self.blocked
            return answer(200, {"sender_allowed": allowed, "preferred_languages": ["it_IT"]})
        key = headers["Idempotency-Key"]
        if key in self.messages:
            message_id, first_body = self.messages[key]
            if first_body != body:
                return problem(422, "the key was used with another request")
            return answer(201, {"id": message_id}, Idempotency_Replay="true")
        message_id = uuid.uuid4().hex
        self.messages[key] = (message_id, body)
        self.created[fiscal_code] += 1
        return answer(201, {"id": message_id})


def lost(detail: str = "ConnectionError") -> TransportError:
    return TransportError(detail)
