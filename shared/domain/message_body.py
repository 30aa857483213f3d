"""Reading a new message's JSON body without copying its attachments out of it.

Up to 20 MiB of files arrive as base64 text inside the body. Parsed the plain way, each
file's text is copied out of the body into a str, so the request holds every file twice.
Instead, every JSON string longer than CUT_BYTES is cut out before parsing: the parser
reads the envelope (the rest of the body) with a placeholder in each cut string's place,
and a placeholder that lands in an attachment's `content` becomes a Base64Text over the
cut string's bytes in the body. A cut string that is not an attachment's content (a long
Markdown, a field the message ignores) is put back and the envelope parsed again, so the
result is always the plain parse's.

The cutting also bounds what is parsed: a body whose envelope is over the limit is refused
before any parsing, whatever its size (a junk array of many megabytes costs nothing).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

import pydantic_core

from shared.domain.attachments import MAX_ATTACHMENTS
from shared.domain.base64_text import BODY_STRINGS_CONTEXT, Base64Text
from shared.domain.errors import PayloadTooLargeError, ValidationError
from shared.domain.message import NewMessage
from shared.domain.validation import parse_json_model

# A message without attachments fits well within 256 KiB (10 000 characters of Markdown,
# JSON-escaped).
MAX_ENVELOPE_BYTES = 256 * 1024
# Strings longer than this are cut out of the envelope. Markdown (10 000 characters, at
# most 6 bytes each JSON-escaped) stays in; an attachment of up to 48 KiB stays in too,
# parsed the plain way.
CUT_BYTES = 64 * 1024
# What the envelope may hold and still be a valid message: the limit, and the attachments
# too short to be cut out.
_MAX_UNCUT_BYTES = MAX_ENVELOPE_BYTES + MAX_ATTACHMENTS * CUT_BYTES
# The rest of a JSON string after its opening quote, escapes included. In JSON, outside a
# string a quote always opens one.
_STRING_REST = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def _too_large() -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"the message without its attachments must be at most {MAX_ENVELOPE_BYTES} bytes"
    )


@dataclass
class _Cuts:
    """The long strings of a body (spans of its bytes, quotes included), the placeholders
    standing for them, and which placeholders were read as an attachment's content."""

    body: bytes
    spans: list[tuple[int, int]]
    token: str = field(default_factory=lambda: secrets.token_hex(8))
    used: set[int] = field(default_factory=set)

    def placeholder(self, index: int) -> str:
        return f"postino-cut-{self.token}-{index}"

    def envelope(self, kept: set[int]) -> bytes:
        """The body with each cut string replaced by its placeholder, but those in `kept`."""
        pieces: list[bytes] = []
        at = 0
        for index, (start, end) in enumerate(self.spans):
            if index in kept:
                continue
            pieces += [self.body[at:start], f'"{self.placeholder(index)}"'.encode()]
            at = end
        pieces.append(self.body[at:])
        return b"".join(pieces)

    def resolve(self, value: str) -> Base64Text | None:
        prefix = f"postino-cut-{self.token}-"
        if not value.startswith(prefix) or not value[len(prefix) :].isdigit():
            return None
        index = int(value[len(prefix) :])
        if index >= len(self.spans):
            return None
        self.used.add(index)
        start, end = self.spans[index]
        return Base64Text.of_json_string(
            memoryview(self.body)[start + 1 : end - 1],
            escaped=self.body.find(b"\\", start + 1, end - 1) >= 0,
        )

    def top_level_fields(self) -> list[str]:
        """The names of the body's top-level fields (a body that parsed as a message): read
        from the envelope with every long string cut out, so it costs little; a name long
        enough to be cut out is left out."""
        parsed = pydantic_core.from_json(self.envelope(set()))
        prefix = f"postino-cut-{self.token}-"
        return [name for name in parsed if not name.startswith(prefix)]

    def cut_bytes(self, indexes: set[int]) -> int:
        """The bytes of these cut strings, quotes included."""
        return sum(self.spans[index][1] - self.spans[index][0] for index in indexes)

    def text_bytes(self, indexes: set[int]) -> int:
        """The bytes of these cut strings' texts, between their quotes."""
        return self.cut_bytes(indexes) - 2 * len(indexes)


def _string_end(body: bytes, start: int) -> int | None:
    """Where the JSON string opening at `start` ends (after its closing quote), or None."""
    quote = body.find(b'"', start + 1)
    if quote < 0:
        return None
    if body.find(b"\\", start + 1, quote) < 0:
        return quote + 1  # the usual case, found at memchr's speed
    rest = _STRING_REST.match(body, start + 1)
    return None if rest is None else rest.end()


def _long_strings(body: bytes) -> _Cuts:
    """The body's strings longer than CUT_BYTES. Raises PayloadTooLargeError as soon as
    what is left is more than a valid message's envelope can be."""
    spans: list[tuple[int, int]] = []
    if len(body) <= CUT_BYTES:
        return _Cuts(body, spans)  # no string in it can be longer: nothing to cut
    cut = 0
    at = body.find(b'"')
    while at >= 0:
        end = _string_end(body, at)
        if end is None:
            break  # not JSON: the parser says so
        if end - at > CUT_BYTES:
            spans.append((at, end))
            cut += end - at
        if end - cut > _MAX_UNCUT_BYTES:
            raise _too_large()
        at = body.find(b'"', end)
    if len(body) - cut > _MAX_UNCUT_BYTES:
        raise _too_large()
    return _Cuts(body, spans)


def _parse(cuts: _Cuts, kept: set[int]) -> NewMessage | ValidationError:
    """The message in the body with the long strings cut out, but those in `kept`."""
    cuts.used.clear()
    try:
        return parse_json_model(
            NewMessage, cuts.envelope(kept), context={BODY_STRINGS_CONTEXT: cuts.resolve}
        )
    except ValidationError as invalid:
        return invalid


def _inline_text_bytes(message: NewMessage) -> int:
    # An attachment parsed the plain way: its text, counting each "/" as escaped, whether
    # the client escaped it or not.
    return sum(
        len(text) + text.text().count("/")
        for text in (attachment.content for attachment in message.content.attachments)
        if text.raw_json_length is None
    )


def parse_new_message(body: bytes) -> NewMessage:
    """The message in a request body, its attachments' texts left in the body.

    Raises ValidationError listing every invalid field, PayloadTooLargeError when the
    message without its attachments' texts is over MAX_ENVELOPE_BYTES.
    """
    cuts = _long_strings(body)
    parsed = _parse(cuts, kept=set())
    unused = set(range(len(cuts.spans))) - cuts.used
    if unused:
        if len(body) - cuts.cut_bytes(cuts.used) > _MAX_UNCUT_BYTES:
            raise _too_large()
        parsed = _parse(cuts, kept=unused)
    if isinstance(parsed, ValidationError):
        raise parsed
    message = parsed
    # Without the attachments' texts: those read in the body, those parsed the plain way.
    envelope = len(body) - cuts.text_bytes(cuts.used) - _inline_text_bytes(message)
    if envelope > MAX_ENVELOPE_BYTES:
        raise _too_large()
    return message.ignoring(cuts.top_level_fields())
