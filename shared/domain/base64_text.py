"""An attachment's base64 text, wherever it is held: a str, or the raw text of a JSON string
inside the request body.

A Premium message carries up to 20 MiB of files as base64 text. Parsed the plain way, each
file's text would be copied out of the body into a str, and the request would hold every
file twice (the body, which the host keeps, and the copies). A Base64Text over the body's
bytes copies nothing: whoever reads it (the rules, the idempotency fingerprint, the blob
store) takes it a slice at a time, with the JSON escapes a client may have written resolved
on the way.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import GetCoreSchemaHandler, ValidationInfo
from pydantic_core import core_schema

# What reading a Base64Text gives: ASCII bytes (a memoryview when they are the body's own).
AsciiChunk = bytes | bytearray | memoryview

# The validation context key under which the body reader passes its resolver: it turns the
# placeholder it left in a long string's place back into a Base64Text over the body.
BODY_STRINGS_CONTEXT = "postino.body_strings"
BodyStringResolver = Callable[[str], "Base64Text | None"]

# The JSON escapes that can stand for a base64 character: "\/" (PHP's json_encode and others
# escape every slash) and "\u00XX" (.NET's encoder escapes "+" as "\u002B"). Any other
# escape leaves a backslash, which no base64 text holds.
_ESCAPE = re.compile(rb"\\(?:/|u00([0-9A-Fa-f]{2}))")
# An escape cut short by the end of a window: it is completed by the next one.
_CUT_ESCAPE = re.compile(rb"\\(?:u(?:0(?:0[0-9A-Fa-f]?)?)?)?\Z")
_BACKSLASH = re.compile(rb"\\")
_LONGEST_ESCAPE = len(b"\\u0000")
# Raw text read per window when escapes have to be resolved.
_WINDOW = 1024 * 1024
# A str's characters encoded at a time.
_ENCODE_STEP = 64 * 1024


def _encoded_slices(text: str, size: int) -> Iterator[bytearray]:
    # Each slice is made by a call of its own, so this generator keeps no reference to the
    # slice it handed out: a reader that drops it frees it before asking for the next.
    for start in range(0, len(text), size):
        yield _encoded(text, start, min(start + size, len(text)))


def _encoded(text: str, start: int, end: int) -> bytearray:
    # Encoded a little at a time into the slice, so that no str slice as big as it is held
    # next to it.
    chunk = bytearray(end - start)
    for at in range(start, end, _ENCODE_STEP):
        piece = text[at : min(at + _ENCODE_STEP, end)]
        chunk[at - start : at - start + len(piece)] = piece.encode("ascii", "replace")
    return chunk


def _unescaped(match: re.Match[bytes]) -> bytes:
    code = match.group(1)
    return b"/" if code is None else bytes([int(code, 16)])


class Base64Text:
    """The text of an attachment's `content`, read in slices; never printed."""

    __slots__ = ("_escaped", "_length", "_raw", "_text")

    def __init__(self, text: str) -> None:
        self._text: str | None = text
        self._raw = memoryview(b"")
        self._escaped = False
        self._length: int | None = len(text)

    @classmethod
    def of_json_string(cls, raw: memoryview, *, escaped: bool | None = None) -> Base64Text:
        """The text of a JSON string whose raw bytes (between its quotes, escapes as
        written) are `raw`; nothing is copied. `escaped`: whether they hold a backslash,
        when the caller knows."""
        text = cls("")
        text._text = None
        text._raw = raw
        text._escaped = _BACKSLASH.search(raw) is not None if escaped is None else escaped
        text._length = None if text._escaped else len(raw)
        return text

    @classmethod
    def of(cls, value: str | Base64Text) -> Base64Text:
        return value if isinstance(value, Base64Text) else cls(value)

    @property
    def raw_json_length(self) -> int | None:
        """How many bytes of the request body the text takes (escapes as written), or None
        when it was given as a str."""
        return None if self._text is not None else len(self._raw)

    def __len__(self) -> int:
        """The number of characters, escapes resolved (reading the text once if it has
        any)."""
        if self._length is None:
            self._length = sum(len(piece) for piece in self._pieces())
        return self._length

    def chunks(self, size: int) -> Iterator[AsciiChunk]:
        """The text as ASCII bytes, `size` characters at a time (the last chunk shorter).
        A character that is not ASCII reads as "?", which no base64 text holds."""
        if size <= 0:
            raise ValueError("a chunk holds at least one character")
        if self._text is not None:
            yield from _encoded_slices(self._text, size)
            return
        if not self._escaped:
            for start in range(0, len(self._raw), size):
                yield self._raw[start : start + size]
            return
        pending = bytearray()
        for piece in self._pieces():
            pending += piece
            while len(pending) >= size:
                yield bytes(pending[:size])
                del pending[:size]
        if pending:
            yield bytes(pending)

    def _pieces(self) -> Iterator[bytes]:
        """The escaped raw text, window by window, with its escapes resolved."""
        raw, start = self._raw, 0
        while start < len(raw):
            window = bytes(raw[start : start + _WINDOW])
            end = start + len(window)
            if end < len(raw):
                cut = _CUT_ESCAPE.search(window)
                if cut is not None:
                    # The escape goes to the next window; a window holding nothing else
                    # takes it whole instead.
                    window = window[: cut.start()] or bytes(raw[start : start + _LONGEST_ESCAPE])
            yield _ESCAPE.sub(_unescaped, window)
            start += len(window)

    def last(self, count: int) -> bytes:
        """The last `count` characters (fewer if the text is shorter), as ASCII bytes."""
        if self._text is not None:
            return self._text[-count:].encode("ascii", "replace") if count else b""
        if not self._escaped:
            return bytes(self._raw[len(self._raw) - count :]) if count else b""
        tail = b""
        for piece in self._pieces():
            tail = (tail + piece)[-count:] if count else b""
        return tail

    def text(self) -> str:
        """The whole text as one str (a copy: for tests and small texts only)."""
        if self._text is not None:
            return self._text
        return b"".join(bytes(chunk) for chunk in self.chunks(_WINDOW)).decode("ascii")

    def sha256(self) -> str:
        """The SHA-256 of the text's ASCII bytes, in hex, read a slice at a time."""
        digest = hashlib.sha256()
        for chunk in self.chunks(_WINDOW):
            digest.update(chunk)
        return digest.hexdigest()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Base64Text):
            return NotImplemented
        return len(self) == len(other) and self.sha256() == other.sha256()

    def __hash__(self) -> int:
        return hash(self.sha256())

    def __repr__(self) -> str:
        # Never the text itself: it is a citizen's document.
        return f"Base64Text(<{len(self)} characters>)"

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        from_str = core_schema.with_info_after_validator_function(
            cls._validated, core_schema.str_schema(min_length=1)
        )
        return core_schema.json_or_python_schema(
            json_schema=from_str,
            python_schema=core_schema.union_schema([core_schema.is_instance_schema(cls), from_str]),
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda value: value.text()
            ),
        )

    @classmethod
    def _validated(cls, value: str, info: ValidationInfo) -> Base64Text:
        context = info.context
        resolve: BodyStringResolver | None = (
            context.get(BODY_STRINGS_CONTEXT) if isinstance(context, dict) else None
        )
        if resolve is not None:
            resolved = resolve(value)
            if resolved is not None:
                return resolved
        return cls(value)
