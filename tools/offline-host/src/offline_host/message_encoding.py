"""host.json ``messageEncoding``: how queue message text maps to the bytes a function sees.

Under ``base64`` (the default) the text is the base64 of the bytes, exactly what the SDK's
``TextBase64EncodePolicy`` writes and ``TextBase64DecodePolicy`` reads; under ``none`` the
text is the UTF-8 bytes themselves.
"""

from __future__ import annotations

import base64
import binascii
import re

from .errors import MessageEncodingError
from .host_config import MessageEncoding

# .NET's Convert.FromBase64String, which the real host uses, skips these.
_BASE64_WHITESPACE = re.compile(r"[ \t\r\n]")


def encode_message(payload: bytes, encoding: MessageEncoding) -> str:
    """The queue message text for ``payload``.

    Raises MessageEncodingError when encoding is ``none`` and the bytes are not UTF-8.
    """
    if encoding is MessageEncoding.BASE64:
        return base64.b64encode(payload).decode("ascii")
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MessageEncodingError(
            "bytes that are not UTF-8 need messageEncoding base64"
        ) from error


def decode_message(text: str, encoding: MessageEncoding) -> bytes:
    """The bytes carried by queue message ``text``.

    Raises MessageEncodingError when encoding is ``base64`` and the text is not base64.
    """
    if encoding is MessageEncoding.NONE:
        return text.encode("utf-8")
    try:
        return base64.b64decode(_BASE64_WHITESPACE.sub("", text), validate=True)
    except (binascii.Error, ValueError) as error:
        raise MessageEncodingError(
            "the message is not valid base64, but host.json messageEncoding is 'base64' "
            "(was it sent without TextBase64EncodePolicy?)"
        ) from error
