"""How a status callback is signed, and how a receiver checks it.

Each POST carries three headers:

    Postino-Event-Id: 01J...            the event's id: the same on every retry of the event
    Postino-Timestamp: 1796292000       when this attempt was signed, in Unix seconds
    Postino-Signature: v1=<hex>         HMAC-SHA256 under the secret of
                                        f"{timestamp}.".encode() + the raw body

While a secret is being rotated there is one `v1=` per secret in use, comma-separated
(`v1=<new>,v1=<old>`): a receiver that knows either secret finds a signature it can check.
The timestamp is signed with the body, so a receiver that refuses timestamps more than five
minutes from its own clock refuses a captured request replayed later; a receiver that also
remembers the event ids it has seen refuses a replay within those minutes (and a retry of an
event it already handled is told by the same id anyway).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence

EVENT_ID_HEADER = "Postino-Event-Id"
TIMESTAMP_HEADER = "Postino-Timestamp"
SIGNATURE_HEADER = "Postino-Signature"
SIGNATURE_SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def sign(secret: bytes, *, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `f"{timestamp}.".encode() + body` under `secret`."""
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_headers(
    secrets: Sequence[bytes], *, event_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The headers that sign one POST of `body`: one `v1=` signature per secret, in order.

    Raises ValueError without a secret (an unsigned callback is never sent).
    """
    if not secrets:
        raise ValueError("a callback is signed with at least one secret")
    signatures = ",".join(
        f"{SIGNATURE_SCHEME}={sign(secret, timestamp=timestamp, body=body)}" for secret in secrets
    )
    return {
        EVENT_ID_HEADER: event_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signatures,
    }


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), "")


def verify(
    secret: bytes,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: int,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """Whether `body` with these headers was signed with `secret` within `tolerance_seconds`
    of `now` (Unix seconds), either way. Header names are matched in any case; signatures
    are compared in constant time."""
    timestamp_text = _header(headers, TIMESTAMP_HEADER).strip()
    if not _TIMESTAMP.fullmatch(timestamp_text):
        return False
    timestamp = int(timestamp_text)
    if abs(now - timestamp) > tolerance_seconds:
        return False
    expected = sign(secret, timestamp=timestamp, body=body).encode()
    matched = False
    for part in _header(headers, SIGNATURE_HEADER).split(","):
        scheme, _, value = part.strip().partition("=")
        if scheme == SIGNATURE_SCHEME:
            matched |= hmac.compare_digest(value.encode("utf-8", "replace"), expected)
    return matched
