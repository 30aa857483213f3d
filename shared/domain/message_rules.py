"""Validation of a new message beyond its shape: recipient and rules that span fields."""

from __future__ import annotations

from shared.domain.attachments import (
    MAX_ATTACHMENTS,
    MAX_TOTAL_ATTACHMENT_BYTES,
    AttachmentInput,
    attachment_errors,
)
from shared.domain.errors import (
    FieldError,
    PayloadTooLargeError,
    TooLargeContentError,
    ValidationError,
)
from shared.domain.fiscal_code import fiscal_code_errors, is_valid_fiscal_code
from shared.domain.message import NewMessage
from shared.domain.personal_data import PersonalDataKind, find_personal_data
from shared.domain.validation import parse_json_model

RECIPIENT_POINTER = "/fiscal_code"
# A message without attachments fits well within 256 KiB (10 000 characters of Markdown,
# JSON-escaped); attachments may add their 20 MiB in base64 (4 characters for 3 bytes, each
# "/" possibly escaped as "\/" by the client's JSON encoder).
MAX_ENVELOPE_BYTES = 256 * 1024
MAX_MESSAGE_BODY_BYTES = (
    MAX_ENVELOPE_BYTES + (MAX_TOTAL_ATTACHMENT_BYTES // 3 + MAX_ATTACHMENTS) * 4 * 102 // 100
)
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
    errors: list[FieldError] = []
    found = find_personal_data(message.content.subject)
    if found:
        # Name the kinds, never the values: the problem document may end up in logs.
        kinds = ", ".join(_KIND_WORDS[kind] for kind in found)
        errors.append(
            FieldError(
                "personal_data_in_subject",
                "the subject may be shown on a locked phone and must carry no personal "
                f"data; it contains {kinds}: move it to the markdown",
                "/content/subject",
            )
        )
    if message.content.payment_data is not None and message.content.due_date is None:
        errors.append(
            FieldError(
                "required",
                "a message with payment_data must also carry due_date",
                "/content/due_date",
            )
        )
    return errors


def _envelope_size(body: bytes, attachments: tuple[AttachmentInput, ...]) -> int:
    """The body's size without the attachments' base64 text (counting each "/" as escaped,
    whether the client escaped it or not)."""
    return len(body) - sum(len(item.content) + item.content.count("/") for item in attachments)


def validate_new_message(path_fiscal_code: str | None, body: bytes) -> tuple[str, NewMessage]:
    """The recipient's fiscal code and the validated message from a request body.

    The fiscal code comes from exactly one of the path and the body.
    Raises ValidationError listing every invalid field at once (TooLargeContentError when
    an attachment is over a size limit), PayloadTooLargeError when the message without
    its attachments is over 256 KiB.
    """
    try:
        message = parse_json_model(NewMessage, body)
    except ValidationError as invalid:
        errors = list(invalid.errors)
        if path_fiscal_code and not is_valid_fiscal_code(path_fiscal_code):
            errors += _recipient_errors(path_fiscal_code, None)
        raise ValidationError(errors) from None
    if _envelope_size(body, message.content.attachments) > MAX_ENVELOPE_BYTES:
        raise PayloadTooLargeError(
            f"the message without its attachments must be at most {MAX_ENVELOPE_BYTES} bytes"
        )
    errors = _recipient_errors(path_fiscal_code, message.fiscal_code) + _content_errors(message)
    attachments = attachment_errors(list(message.content.attachments))
    errors += attachments
    if any(error.code == "too_large" for error in attachments):
        raise TooLargeContentError(errors)
    if errors:
        raise ValidationError(errors)
    return path_fiscal_code or message.fiscal_code or "", message
