"""A careful institution client: it sends one message until it gets a final answer.

Each message carries a marker in its Markdown, unique to the send, so an audit can find
every document a send left behind; and its own Idempotency-Key, so a retry can never
create a second message. A send is retried, with the same key, after a transport error
(refused, reset, timed out), a 5xx or a 429, waiting what Retry-After says (at most a
few seconds) or a short backoff, until it gets a 201 (`Answer.CREATED`), another 4xx
(`Answer.REFUSED`), or runs out of patience (`Answer.GAVE_UP`). Every attempt is recorded.
"""

from __future__ import annotations

import base64
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any

import requests

from infra.local.faults.audit import Answer, Send
from infra.local.faults.markers import new_marker
from shared.domain.message import MessageStatus

INSTITUTION_KEY_HEADER = "Ocp-Apim-Subscription-Key"
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotency-Replay"
PROBLEM_JSON = "application/problem+json"
OUTCOME_UNKNOWN = "urn:postino:problem:outcome-unknown"

REQUEST_TIMEOUT_SECONDS = 10.0
MAX_RETRY_AFTER_SECONDS = 5.0
GIVE_UP_SECONDS = 180.0
FIRST_BACKOFF_SECONDS = 0.25
MAX_BACKOFF_SECONDS = 2.0

SUBJECT = "Notice from the fault run"


def message_body(marker: str, *, attachment: bool = False) -> dict[str, Any]:
    """A valid message carrying `marker` (and no personal data): STANDARD, or with
    `attachment` ADVANCED with a small PDF (the service must be Premium)."""
    markdown = (
        f"This message was sent by a fault-injection run of Postino. Reference {marker}. "
        "It carries nothing but this text."
    )
    content: dict[str, Any] = {"subject": SUBJECT, "markdown": markdown}
    if not attachment:
        return {"content": content}
    pdf = b"%PDF-1.4\n% fault run " + marker.encode() + b"\n%%EOF\n"
    content["attachments"] = [
        {
            "name": "notice.pdf",
            "content_type": "application/pdf",
            "content": base64.b64encode(pdf).decode(),
        }
    ]
    return {"content": content, "feature_level_type": "ADVANCED"}


@dataclass(frozen=True)
class Outbound:
    """One message to send: to whom, its marker and Idempotency-Key, what it should end as."""

    marker: str
    fiscal_code: str
    idempotency_key: str | None
    expected_status: MessageStatus | None = None
    # Sent ADVANCED with a small PDF (Premium): it goes through the Blob proxy too.
    attachment: bool = False

    @classmethod
    def new(
        cls,
        fiscal_code: str,
        *,
        expected_status: MessageStatus | None = None,
        attachment: bool = False,
    ) -> Outbound:
        return cls(
            marker=new_marker(),
            fiscal_code=fiscal_code,
            idempotency_key=f"fault-run-{uuid.uuid4().hex}",
            expected_status=expected_status,
            attachment=attachment,
        )


@dataclass(frozen=True)
class Attempt:
    """One HTTP request: when it started (time.monotonic), how long it took, its answer
    (`status` None: a transport error, named in `error`)."""

    started: float
    seconds: float
    status: int | None
    problem_type: str | None = None
    error: str | None = None
    replay: bool = False


@dataclass(frozen=True)
class SendResult:
    send: Send
    attempts: tuple[Attempt, ...]


def _problem_type(response: requests.Response) -> str | None:
    if not response.headers.get("Content-Type", "").startswith(PROBLEM_JSON):
        return None
    try:
        kind = response.json().get("type")
    except ValueError:
        return None
    return kind if isinstance(kind, str) else None


def _maybe_id(response: requests.Response) -> str | None:
    try:
        value = response.json().get("message_id")
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _retry_after(response: requests.Response) -> float | None:
    raw = response.headers.get("Retry-After", "")
    try:
        return min(max(float(raw), 0.0), MAX_RETRY_AFTER_SECONDS)
    except ValueError:
        return None


def _is_retryable(status: int) -> bool:
    # 409: the former "in progress" answer of a key still being handled.
    return status >= 500 or status in {409, 429}


class CarefulSender:
    """Sends messages for one service, one at a time (one per thread: it keeps a session)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        give_up_after: float = GIVE_UP_SECONDS,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
        rng: random.Random | None = None,
    ) -> None:
        self._base_url = base_url
        self._api_key = api_key
        self._give_up_after = give_up_after
        self._timeout = timeout
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self._session = requests.Session()

    def close(self) -> None:
        self._session.close()

    def post_once(self, outbound: Outbound) -> tuple[Attempt, requests.Response | None]:
        """One attempt, recorded; the response, or None after a transport error."""
        headers = {INSTITUTION_KEY_HEADER: self._api_key}
        if outbound.idempotency_key is not None:
            headers[IDEMPOTENCY_KEY_HEADER] = outbound.idempotency_key
        url = f"{self._base_url}/api/v1/messages/{outbound.fiscal_code}"
        started = time.monotonic()
        try:
            response = self._session.post(
                url,
                json=message_body(outbound.marker, attachment=outbound.attachment),
                headers=headers,
                timeout=self._timeout,
            )
        except requests.RequestException as exc:
            attempt = Attempt(started, time.monotonic() - started, None, error=type(exc).__name__)
            return attempt, None
        attempt = Attempt(
            started,
            time.monotonic() - started,
            response.status_code,
            problem_type=_problem_type(response),
            replay=response.headers.get(REPLAY_HEADER, "").lower() == "true",
        )
        return attempt, response

    def send(self, outbound: Outbound) -> SendResult:
        """Send until a final answer or the end of patience."""
        deadline = time.monotonic() + self._give_up_after
        attempts: list[Attempt] = []
        maybe_id: str | None = None
        backoff = FIRST_BACKOFF_SECONDS
        while True:
            attempt, response = self.post_once(outbound)
            attempts.append(attempt)
            wait: float | None = None
            if response is not None:
                if response.status_code == 201:
                    message_id = str(response.json()["id"])
                    return self._result(outbound, attempts, Answer.CREATED, message_id, maybe_id)
                if not _is_retryable(response.status_code):
                    return self._result(outbound, attempts, Answer.REFUSED, None, maybe_id)
                if attempt.problem_type == OUTCOME_UNKNOWN:
                    maybe_id = _maybe_id(response) or maybe_id
                wait = _retry_after(response)
            if wait is None:
                wait = backoff * (0.5 + self._rng.random())
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            if time.monotonic() + wait >= deadline:
                return self._result(outbound, attempts, Answer.GAVE_UP, None, maybe_id)
            time.sleep(wait)

    def _result(
        self,
        outbound: Outbound,
        attempts: list[Attempt],
        answer: Answer,
        message_id: str | None,
        maybe_id: str | None,
    ) -> SendResult:
        send = Send(
            marker=outbound.marker,
            idempotency_key=outbound.idempotency_key,
            answer=answer,
            message_id=message_id,
            status_code=attempts[-1].status,
            expected_status=outbound.expected_status,
            maybe_id=maybe_id,
        )
        return SendResult(send=send, attempts=tuple(attempts))
