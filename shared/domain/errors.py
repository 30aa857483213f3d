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
