"""What became of each row, as the results file and the summary say it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    SENT = "sent"
    # Created by an earlier run of the same campaign (the API replayed its Idempotency-Key).
    ALREADY_SENT = "already_sent"
    # The recipient check said no: not registered or inbox closed (404), or the citizen
    # does not let this service write (sender_allowed false).
    NOT_REGISTERED = "skipped_not_registered"
    NOT_ALLOWED = "skipped_not_allowed"
    # --dry-run: valid, and the recipient may receive it.
    WOULD_SEND = "would_send"
    FAILED = "failed"
    # The run stopped (Ctrl-C, or the API key refused) before the row was sent.
    NOT_SENT = "not_sent"


@dataclass(frozen=True)
class RowResult:
    row: int
    fiscal_code: str
    outcome: Outcome
    message_id: str = ""
    error: str = ""
