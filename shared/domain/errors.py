"""The domain's errors. `shared.http` maps each one to a problem+json response."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One invalid field: a stable code, a human detail and a JSON pointer to the field."""

    code: str
    detail: str
    pointer: str


class PostinoError(Exception):
    """Base of every error the domain and the use cases raise on purpose."""


class ValidationError(PostinoError):
    """The input is invalid; `errors` lists every invalid field at once."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(f"{len(errors)} invalid field(s)")
        self.errors = errors


class TooLargeContentError(ValidationError):
    """Part of the input is over a size limit (an attachment); `errors` points at it."""


class AuthenticationError(PostinoError):
    """The caller did not present a valid API key."""


class NotFoundError(PostinoError):
    """The resource does not exist, or the caller may not know that it exists."""


class ConcurrentUpdateError(PostinoError):
    """A conditional write lost a race: the stored record changed since it was read."""


class AlreadyExistsError(PostinoError):
    """A create found a record with the same id already stored."""


class StorageUnavailableError(PostinoError):
    """A store is unreachable or throttling; the operation may succeed if retried later."""


class OutcomeUnknownError(StorageUnavailableError):
    """The request reached the store (or may have) but its answer was lost or timed out: a
    write may have been carried out. Writers resolve it by reading back or by retrying a
    write that is harmless to repeat; everyone else treats it as StorageUnavailableError."""


class MessageMaybeStoredError(OutcomeUnknownError):
    """A new message's write got no answer: it may be stored, under `message_id`."""

    def __init__(self, message_id: str) -> None:
        super().__init__(
            f"the message may have been stored as {message_id}: its write got no answer; "
            "retry with the same Idempotency-Key to learn the outcome (without one, a retry "
            "may deliver it twice)"
        )
        self.message_id = message_id


class ForbiddenError(PostinoError):
    """The caller is known but its contract or settings do not allow this request.

    The message says what the caller can do about it.
    """

    def __init__(self, detail: str, pointer: str | None = None) -> None:
        super().__init__(detail)
        self.pointer = pointer


class ServiceDisabledError(ForbiddenError):
    """The caller's key is valid but the operator disabled its service."""


class RateLimitedError(PostinoError):
    """The service went over its request rate; `retry_after` seconds until it may retry.

    `headers` describe the limit to the caller (RateLimit-*).
    """

    def __init__(self, retry_after: int, headers: dict[str, str]) -> None:
        super().__init__(f"this service is over its request rate limit; retry in {retry_after} s")
        self.retry_after = retry_after
        self.headers = headers


class IdempotencyMismatchError(PostinoError):
    """An Idempotency-Key was reused with a different request."""


class PayloadTooLargeError(PostinoError):
    """The request body is over the size limit."""


class UnsupportedMediaTypeError(PostinoError):
    """The request body is not declared as JSON."""


class PushDeliveryError(PostinoError):
    """The push service refused or could not take a push; `retryable` says whether trying
    again later may succeed."""

    def __init__(self, detail: str, *, retryable: bool) -> None:
        super().__init__(detail)
        self.retryable = retryable


class SealedSecretError(PostinoError):
    """A sealed callback secret cannot be opened: it was sealed under another
    CALLBACK_SECRETS_KEY or for another service, or it was altered. Retrying cannot help;
    the operator rotates the service's callback secret."""
