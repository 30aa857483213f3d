"""What became of each row, as the results file and the summary say it."""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.compat import StrEnum


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
    # The row breaks the API's rules; with --skip-invalid it is reported and not sent.
    INVALID = "invalid"
    # The run stopped (Ctrl-C, the API key refused, the API failing row after row) before
    # the row was sent.
    NOT_SENT = "not_sent"


# A row with one of these in a results file needs nothing more: a re-run skips it.
DONE = frozenset({Outcome.SENT, Outcome.ALREADY_SENT})


@dataclass(frozen=True)
class RowResult:
    row: int
    fiscal_code: str
    outcome: Outcome
    message_id: str = ""
    error: str = ""
    idempotency_key: str = ""  # "" for a row never prepared (invalid)
