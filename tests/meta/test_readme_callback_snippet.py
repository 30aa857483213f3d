"""The README's verification snippet for status callbacks works on what the app signs: the
institutions copy it."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shared.domain.callback_signature import signature_headers

README = Path(__file__).resolve().parents[2] / "README.md"
BODY = b'{"id":"01JEV6W8Q4N8T5V7W9X0Y1Z2AB","type":"message.read","message_id":"01J"}'
SECRET = "Yk3v0Q4s-the-institutions-secret"


@pytest.fixture(scope="module")
def is_from_postino() -> Callable[..., bool]:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    (snippet,) = [block for block in blocks if "def is_from_postino" in block]
    namespace: dict[str, Any] = {}
    exec(compile(snippet, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    function: Callable[..., bool] = namespace["is_from_postino"]
    return function


def _signed(*secrets: str, age: int = 0) -> dict[str, str]:
    return signature_headers(
        [secret.encode() for secret in secrets],
        event_id="01JEV6W8Q4N8T5V7W9X0Y1Z2AB",
        timestamp=int(time.time()) - age,
        body=BODY,
    )


def test_it_accepts_a_callback_signed_with_the_secret(is_from_postino):
    assert is_from_postino(SECRET, _signed(SECRET), BODY)


def test_it_accepts_either_signature_during_a_rotation(is_from_postino):
    assert is_from_postino(SECRET, _signed("the-old-secret", SECRET), BODY)
    assert is_from_postino(SECRET, _signed(SECRET, "the-new-secret"), BODY)


def test_it_refuses_another_secret_a_changed_body_and_an_old_timestamp(is_from_postino):
    assert not is_from_postino(SECRET, _signed("someone-else"), BODY)
    assert not is_from_postino(SECRET, _signed(SECRET), BODY + b" ")
    assert not is_from_postino(SECRET, _signed(SECRET, age=301), BODY)
    assert not is_from_postino(SECRET, {}, BODY)
