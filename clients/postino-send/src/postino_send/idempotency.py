"""The Idempotency-Key of each row: the same campaign, recipient, occurrence and message
always give the same key, so a re-run is answered with the messages already created."""

from __future__ import annotations

import hashlib
import json

KEY_PREFIX = "postino-send-"


def idempotency_key(campaign: str, fiscal_code: str, occurrence: int, body: bytes) -> str:
    """The key of the `occurrence`-th row (from 0) that sends `body` to `fiscal_code`.

    The occurrence, rather than the row number, tells identical rows apart: re-ordering the
    CSV, or removing rows from it, changes no key.
    """
    material = json.dumps([campaign, fiscal_code, occurrence, body.decode("utf-8")])
    return KEY_PREFIX + hashlib.sha256(material.encode("utf-8")).hexdigest()
