"""The one keyed hash of a fiscal code, for wherever a citizen must be named outside the
store's partition key (push tags, counters): stable for a key, useless without it."""

from __future__ import annotations

import hashlib
import hmac

# Hex characters kept: 128 bits, far from any collision among tens of millions of citizens.
_KEPT_HEX = 32


def citizen_hash(fiscal_code: str, key: str) -> str:
    """HMAC-SHA256 of the fiscal code under `key`, as 32 hex characters."""
    digest = hmac.new(key.encode("utf-8"), fiscal_code.encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:_KEPT_HEX]


def push_tag(fiscal_code: str, key: str) -> str:
    """The push notification tag of the citizen's app installations."""
    return f"citizen_{citizen_hash(fiscal_code, key)}"
