"""messageEncoding: the host's own codec agrees with the SDK's base64 policies."""

from __future__ import annotations

import pytest
from azure.storage.queue import TextBase64DecodePolicy, TextBase64EncodePolicy

from offline_host.errors import MessageEncodingError
from offline_host.host_config import MessageEncoding
from offline_host.message_encoding import decode_message, encode_message

TEXT = '{"message_id": "01J", "subject": "caffè ☕"}'


def test_base64_text_is_what_the_sdk_encode_policy_writes() -> None:
    written = encode_message(TEXT.encode("utf-8"), MessageEncoding.BASE64)
    assert written == TextBase64EncodePolicy().encode(TEXT)
    assert TextBase64DecodePolicy().decode(written, None) == TEXT  # type: ignore[arg-type]


def test_base64_message_from_the_sdk_decodes_to_its_bytes() -> None:
    sent = TextBase64EncodePolicy().encode(TEXT)
    assert decode_message(sent, MessageEncoding.BASE64) == TEXT.encode("utf-8")


def test_base64_decoding_skips_whitespace_like_dotnet() -> None:
    assert decode_message("aGVs\r\nbG8=", MessageEncoding.BASE64) == b"hello"


@pytest.mark.parametrize("text", ["hello world!", "not base64 !!", "abc"])
def test_plain_text_under_base64_is_an_encoding_error(text: str) -> None:
    with pytest.raises(MessageEncodingError, match="not valid base64"):
        decode_message(text, MessageEncoding.BASE64)


def test_encoding_none_passes_text_through() -> None:
    assert encode_message(TEXT.encode("utf-8"), MessageEncoding.NONE) == TEXT
    assert decode_message(TEXT, MessageEncoding.NONE) == TEXT.encode("utf-8")
    with pytest.raises(MessageEncodingError, match="not UTF-8"):
        encode_message(b"\xff", MessageEncoding.NONE)
