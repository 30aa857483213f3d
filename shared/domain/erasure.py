"""A citizen's erasure (GDPR art. 17): what is erased, and the audit record that it was.

The audit record names the citizen only by the keyed hash of the fiscal code
(shared.domain.citizen_hash), so it proves an erasure was done for a given request without
keeping who it was about; `ticket` is the operator's reference to the request (checked to
carry no personal data).
"""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from shared.domain.compat import StrEnum
from shared.domain.errors import FieldError, ValidationError
from shared.domain.personal_data import PersonalDataKind, find_personal_data

_TICKET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/#-]{0,63}")


class ErasedKind(StrEnum):
    """What an erasure deletes, counted separately."""

    MESSAGES = "messages"  # with their received and read marks, which live on them
    ATTACHMENTS = "attachments"
    REMINDER_SCHEDULE_ENTRIES = "reminder_schedule_entries"
    REMINDER_CLAIMS = "reminder_claims"
    NOTICE_WATCHES = "notice_watches"
    INDEX_ENTRIES = "index_entries"
    IDEMPOTENCY_RECORDS = "idempotency_records"
    PROFILES = "profiles"


class ErasureRecord(BaseModel):
    """One run of an erasure: written when it starts (completed_at None) and again when it
    ends, with what it deleted. An interrupted run stays incomplete; its re-run has its own."""

    model_config = ConfigDict(frozen=True)

    id: str
    citizen_hash: str
    ticket: str
    requested_at: datetime
    completed_at: datetime | None = None
    counts: dict[ErasedKind, int] = {}

    def completed(self, counts: dict[ErasedKind, int], now: datetime) -> ErasureRecord:
        full = {kind: counts.get(kind, 0) for kind in ErasedKind}
        return self.model_copy(update={"counts": full, "completed_at": now})


def require_valid_ticket(ticket: str) -> None:
    """Raises ValidationError (pointer /ticket) unless `ticket` is a short reference (letters,
    digits and . _ : / # -, up to 64) carrying no fiscal code."""
    if not _TICKET.fullmatch(ticket):
        detail = "a ticket reference: 1 to 64 letters, digits and . _ : / # -"
        raise ValidationError([FieldError("invalid_ticket", detail, "/ticket")])
    # Ticket numbers are digits: only a fiscal code is looked for (a phone number would be
    # found in many of them), and the pattern leaves no room for an e-mail address.
    if PersonalDataKind.FISCAL_CODE in find_personal_data(ticket):
        detail = "the ticket reference may not carry a fiscal code (it is kept)"
        raise ValidationError([FieldError("personal_data", detail, "/ticket")])
