"""Validation of a new message beyond its shape: recipient, content policy and rules that
span fields; and how big its body may be."""

from __future__ import annotations

from shared.domain.attachments import (
    MAX_ATTACHMENTS,
    MAX_TOTAL_ATTACHMENT_BYTES,
    attachment_errors,
)
from shared.domain.content_policy import subject_character_errors, text_errors
from shared.domain.errors import FieldError, TooLargeContentError, ValidationError
from shared.domain.fiscal_code import fiscal_code_errors, is_valid_fiscal_code
from shared.domain.message import NewMessage
from shared.domain.message_body import MAX_ENVELOPE_BYTES, parse_new_message
from shared.domain.message_reference import reference_errors
from shared.domain.personal_data import PersonalDataKind, find_personal_data
from shared.domain.service import Tier

# MAX_ENVELOPE_BYTES (shared.domain.message_body) is a message's limit too: callers find
# both limits here.
__all__ = [
    "MAX_ENVELOPE_BYTES",
    "MAX_MESSAGE_BODY_BYTES",
    "RECIPIENT_POINTER",
    "max_message_body_bytes",
    "validate_new_message",
]

RECIPIENT_POINTER = "/fiscal_code"
SUBJECT_POINTER = "/content/subject"
MARKDOWN_POINTER = "/content/markdown"
# A message without attachments fits well within MAX_ENVELOPE_BYTES (256 KiB); attachments
# may add their 20 MiB in base64 (4 characters for 3 bytes, each "/" possibly escaped as
# "\/" by the client's JSON encoder).
MAX_MESSAGE_BODY_BYTES = (
    MAX_ENVELOPE_BYTES + (MAX_TOTAL_ATTACHMENT_BYTES // 3 + MAX_ATTACHMENTS) * 4 * 102 // 100
)


def max_message_body_bytes(tier: Tier) -> int:
    """The largest body a send of a service of this tier may have, known before reading it:
    only Premium services may attach files, so only their bodies may be bigger than a
    message without attachments."""
    return MAX_MESSAGE_BODY_BYTES if tier is Tier.PREMIUM else MAX_ENVELOPE_BYTES


_KIND_WORDS = {
    PersonalDataKind.FISCAL_CODE: "a fiscal code",
    PersonalDataKind.EMAIL: "an e-mail address",
    PersonalDataKind.PHONE_NUMBER: "a phone number",
    PersonalDataKind.IBAN: "an IBAN",
}


def _recipient_errors(
    path_fiscal_code: str | None, body_fiscal_code: str | None
) -> list[FieldError]:
    if path_fiscal_code and body_fiscal_code is not None:
        return [
            FieldError(
                "ambiguous_recipient",
                "give the fiscal code either in the path or in the body, not both",
                RECIPIENT_POINTER,
            )
        ]
    fiscal_code = path_fiscal_code or body_fiscal_code
    if not fiscal_code:
        return [
            FieldError(
                "required",
                "the recipient's fiscal code is required, in the path or in the body",
                RECIPIENT_POINTER,
            )
        ]
    return fiscal_code_errors(fiscal_code, RECIPIENT_POINTER)


def _content_errors(message: NewMessage) -> list[FieldError]:
    subject = message.content.subject
    errors = subject_character_errors(subject, SUBJECT_POINTER)
    errors += text_errors(subject, SUBJECT_POINTER)
    found = find_personal_data(subject)
    if found:
        # Name the kinds, never the values: the problem document may end up in logs.
        kinds = ", ".join(_KIND_WORDS[kind] for kind in found)
        errors.append(
            FieldError(
                "personal_data_in_subject",
                "the subject may be shown on a locked phone and must carry no personal "
                f"data; it contains {kinds}: move it to the markdown",
                SUBJECT_POINTER,
            )
        )
    errors += text_errors(message.content.markdown, MARKDOWN_POINTER)
    if message.reference is not None:
        errors += reference_errors(message.reference)
    if message.content.payment_data is not None and message.content.due_date is None:
        errors.append(
            FieldError(
                "required",
                "a message with payment_data must also carry due_date",
                "/content/due_date",
            )
        )
    return errors


def validate_new_message(path_fiscal_code: str | None, body: bytes) -> tuple[str, NewMessage]:
    """The recipient's fiscal code and the validated message from a request body.

    The fiscal code comes from exactly one of the path and the body. The attachments'
    texts stay in `body` (shared.domain.message_body): keep it until they are stored.
    Raises ValidationError listing every invalid field at once (TooLargeContentError when
    an attachment is over a size limit), PayloadTooLargeError when the message without
    its attachments is over 256 KiB.
    """
    try:
        message = parse_new_message(body)
    except ValidationError as invalid:
        errors = list(invalid.errors)
        if path_fiscal_code and not is_valid_fiscal_code(path_fiscal_code):
            errors += _recipient_errors(path_fiscal_code, None)
        raise ValidationError(errors) from None
    errors = _recipient_errors(path_fiscal_code, message.fiscal_code) + _content_errors(message)
    attachments = attachment_errors(list(message.content.attachments))
    errors += attachments
    if any(error.code == "too_large" for error in attachments):
        raise TooLargeContentError(errors)
    if errors:
        raise ValidationError(errors)
    return path_fiscal_code or message.fiscal_code or "", message
