"""What travels on the messages queue: a claim check, never the message's content."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError


class MalformedQueueMessageError(ValueError):
    """A queue message that is not a message reference; retrying cannot fix it."""


class MessageRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    message_id: str
    fiscal_code: str

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, raw: str | bytes) -> MessageRef:
        """Raises MalformedQueueMessageError when `raw` is not a message reference."""
        try:
            return cls.model_validate_json(raw)
        except ValidationError:
            raise MalformedQueueMessageError(
                "the queue message is not a message reference"
            ) from None
