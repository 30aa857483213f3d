"""Postino's institution API, as this tool uses it: the recipient check and sending."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from postino_send.api_url import checked_api_url
from postino_send.outcomes import Outcome
from postino_send.prepare import PreparedRow
from postino_send.retry import (
    GaveUpError,
    HttpAnswer,
    RetryPolicy,
    RetryStats,
    TransportError,
    with_retries,
)
from postino_send.wording import api_wording

KEY_HEADER = "Ocp-Apim-Subscription-Key"
MESSAGES_PATH = "/api/v1/messages"
PROFILES_PATH = "/api/v1/profiles"
CONNECT_TIMEOUT = 10.0


class Transport(Protocol):
    def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> HttpAnswer:
        """POST `body` (JSON) to `path`. Raises TransportError when no answer comes."""
        ...


class ApiKeyRefusedError(Exception):
    """The API answered 401: no row can be sent with this key."""


class RequestsTransport:
    """HTTP with `requests`, one pooled session per worker thread.

    Redirects are not followed: requests would send the key header on to wherever the
    answer points, plain http included. The API never redirects; a 3xx is a failed row.
    """

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 30.0) -> None:
        """Raises InsecureApiUrlError for a URL that would send the key in clear."""
        self._base_url = checked_api_url(base_url).rstrip("/")
        self._api_key = api_key
        self._timeout = timeout
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
        return session

    def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> HttpAnswer:
        try:
            response = self._session().post(
                self._base_url + path,
                data=body,
                headers={
                    KEY_HEADER: self._api_key,
                    "Content-Type": "application/json",
                    **headers,
                },
                timeout=(CONNECT_TIMEOUT, self._timeout),
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            # The exception's text may hold the URL, never the key or the body.
            raise TransportError(type(exc).__name__) from None
        return HttpAnswer(response.status_code, dict(response.headers), response.content)


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    message_id: str = ""
    error: str = ""
    # Failed because the API could not be reached or kept answering 5xx/429 (the retries ran
    # out), not because it refused this row: what the run's circuit breaker counts.
    unavailable: bool = False


def problem_detail(answer: HttpAnswer) -> str:
    """The status and the words of a problem+json answer (its field errors included), on
    one line of printable characters: it is the server's text, shown on the terminal."""
    try:
        problem: Any = json.loads(answer.body)
    except ValueError:
        problem = None
    if not isinstance(problem, dict):
        return f"HTTP {answer.status}"
    parts = [str(problem.get("detail") or problem.get("title") or "")]
    for error in problem.get("errors") or []:
        if isinstance(error, dict):
            detail = api_wording(str(error.get("code", "")), str(error.get("detail", "")))
            parts.append(f"{error.get('pointer', '')}: {detail}")
    text = "; ".join(part for part in parts if part)
    # Terminal escape sequences and line breaks from the server are shown as spaces.
    return f"HTTP {answer.status}: " + "".join(c if c.isprintable() else " " for c in text)


class PostinoApi:
    """The two calls a campaign makes, each retried as `policy` says.

    `sleep(seconds)` waits between attempts and returns False when the run is stopping.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        sleep: Callable[[float], bool],
        policy: RetryPolicy | None = None,
        stats: RetryStats | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._transport = transport
        self._sleep = sleep
        self.policy = policy or RetryPolicy()
        self.stats = stats or RetryStats()
        self._rng = rng or random.Random()  # noqa: S311 (jitter, not a secret)

    def _post(self, path: str, body: bytes, headers: Mapping[str, str]) -> HttpAnswer:
        answer = with_retries(
            lambda: self._transport.post(path, body, headers),
            policy=self.policy,
            sleep=self._sleep,
            rng=self._rng,
            stats=self.stats,
        )
        if answer.status == 401:
            raise ApiKeyRefusedError(problem_detail(answer))
        return answer

    def check_recipient(self, fiscal_code: str) -> SendResult | None:
        """None when the recipient may receive; else why not (a skip or a failure).

        Raises ApiKeyRefusedError, RunStoppedError.
        """
        body = json.dumps({"fiscal_code": fiscal_code}).encode()
        try:
            answer = self._post(PROFILES_PATH, body, {})
        except GaveUpError as gave_up:
            return SendResult(Outcome.FAILED, error=f"recipient check: {gave_up}", unavailable=True)
        if answer.status == 404:
            return SendResult(Outcome.NOT_REGISTERED)
        if answer.status != 200:
            return SendResult(Outcome.FAILED, error=f"recipient check: {problem_detail(answer)}")
        try:
            allowed = json.loads(answer.body)["sender_allowed"]
        except (ValueError, KeyError, TypeError):
            return SendResult(Outcome.FAILED, error="recipient check: unexpected answer")
        return None if allowed is True else SendResult(Outcome.NOT_ALLOWED)

    def send(self, row: PreparedRow) -> SendResult:
        """Send the row's message, once whatever the retries and re-runs.

        Raises ApiKeyRefusedError, RunStoppedError.
        """
        headers = {"Idempotency-Key": row.idempotency_key}
        try:
            answer = self._post(MESSAGES_PATH, row.body, headers)
        except GaveUpError as gave_up:
            return SendResult(Outcome.FAILED, error=str(gave_up), unavailable=True)
        if answer.status != 201:
            return SendResult(Outcome.FAILED, error=problem_detail(answer))
        try:
            message_id = str(json.loads(answer.body)["id"])
        except (ValueError, KeyError, TypeError):
            return SendResult(Outcome.FAILED, error="HTTP 201 without a message id")
        replayed = answer.header("Idempotency-Replay").lower() == "true"
        return SendResult(Outcome.ALREADY_SENT if replayed else Outcome.SENT, message_id)
