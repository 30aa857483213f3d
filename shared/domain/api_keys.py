"""API keys of services: generated once, shown once, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from shared.domain.compat import StrEnum

API_KEY_BYTES = 16
# The shape of every key generate_api_key makes: 32 lowercase hex characters. Anything else
# cannot be a key, and is refused without looking it up.
API_KEY_PATTERN = rf"^[0-9a-f]{{{2 * API_KEY_BYTES}}}$"
_API_KEY_RE = re.compile(API_KEY_PATTERN)


class KeySlot(StrEnum):
    PRIMARY = "PRIMARY"
    SECONDARY = "SECONDARY"


class KeyKind(StrEnum):
    """LIVE keys reach citizens; TEST keys (as GOV.UK Notify's) get the same answers but
    write only to the sandbox fiscal codes (shared.domain.sandbox), never to a citizen.
    Each kind has its own PRIMARY and SECONDARY slot, so test keys rotate as live ones do."""

    LIVE = "LIVE"
    TEST = "TEST"


class ApiKeyRecord(BaseModel):
    """What is stored of a key: its hash (the record's id), its service and its slot."""

    model_config = ConfigDict(frozen=True)

    id: str
    service_id: str
    slot: KeySlot
    # Records stored before test keys existed are live keys.
    kind: KeyKind = KeyKind.LIVE
    # When it was issued, and when it last authenticated a call (written at most once an
    # hour, see shared/services/key_usage.py); None in records stored before these existed.
    created_at: datetime | None = None
    last_used_at: datetime | None = None


def generate_api_key() -> str:
    """A new random key in the shape of an APIM subscription key (32 hex characters)."""
    return secrets.token_hex(API_KEY_BYTES)


def is_well_formed_api_key(value: str) -> bool:
    """Whether `value` has the shape of a key (API_KEY_PATTERN), so it may be one."""
    return _API_KEY_RE.fullmatch(value) is not None


def hash_api_key(api_key: str) -> str:
    """The stored form of a key: hex SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def new_key(
    service_id: str,
    slot: KeySlot,
    kind: KeyKind = KeyKind.LIVE,
    *,
    created_at: datetime | None = None,
) -> tuple[str, ApiKeyRecord]:
    """A new key for a service's slot of `kind`, and the record that stores it (by its hash
    only), issued at `created_at`."""
    key = generate_api_key()
    record = ApiKeyRecord(
        id=hash_api_key(key), service_id=service_id, slot=slot, kind=kind, created_at=created_at
    )
    return key, record
