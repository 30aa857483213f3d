"""Turn pydantic's validation errors into the domain's FieldErrors with JSON pointers."""

from __future__ import annotations

from typing import Any, TypeVar

import pydantic
from pydantic_core import ErrorDetails

from shared.domain.errors import FieldError, ValidationError

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)

# pydantic's error types that deserve a plainer public code.
_CODES = {
    "missing": "required",
    "json_invalid": "invalid_json",
    "model_type": "not_an_object",
    "model_attributes_type": "not_an_object",
    "string_too_short": "too_short",
    "string_too_long": "too_long",
    "string_pattern_mismatch": "pattern_mismatch",
    "greater_than_equal": "too_small",
    "less_than_equal": "too_large",
    "value_error": "invalid",
}


def json_pointer(location: tuple[int | str, ...]) -> str:
    """RFC 6901 pointer for a pydantic error location ('' is the whole document)."""
    parts = (str(part).replace("~", "~0").replace("/", "~1") for part in location)
    return "".join(f"/{part}" for part in parts)


def _field_error(error: ErrorDetails) -> FieldError:
    # The message never echoes the input: it may be a fiscal code or a message body.
    detail = error["msg"].removeprefix("Value error, ")
    return FieldError(
        code=_CODES.get(error["type"], error["type"]),
        detail=detail,
        pointer=json_pointer(tuple(error["loc"])),
    )


def parse_json_model(
    model: type[ModelT], raw: bytes, *, context: dict[str, Any] | None = None
) -> ModelT:
    """Parse and validate a JSON document into `model` (`context` goes to its validators).

    Raises ValidationError listing every invalid field, each with a JSON pointer.
    """
    try:
        return model.model_validate_json(raw, context=context)
    except pydantic.ValidationError as exc:
        errors = [_field_error(error) for error in exc.errors(include_input=False)]
        raise ValidationError(errors) from None
