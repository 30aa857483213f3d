"""Base64Text: an attachment's text read in slices, from a str or from the request body's
own bytes, with the JSON escapes clients write resolved, and never shown."""

from __future__ import annotations

import base64
import hashlib
import os
import tracemalloc

import pytest

from shared.domain import base64_text
from shared.domain.base64_text import Base64Text

TEXT = base64.b64encode(os.urandom(3000) + b"\xfb\xff" * 500).decode()  # with "+" and "/"


def _php_escaped(text: str) -> bytes:
    """The text as PHP's json_encode writes it inside a string: every "/" as "\\/"."""
    return text.replace("/", "\\/").encode()


def _dotnet_escaped(text: str) -> bytes:
    """As .NET's encoder writes it: "+" as "\\u002B"."""
    return text.replace("+", "\\u002B").encode()


def _read(text: Base64Text, size: int) -> bytes:
    return b"".join(bytes(chunk) for chunk in text.chunks(size))


@pytest.mark.parametrize(
    "raw", [TEXT.encode(), _php_escaped(TEXT), _dotnet_escaped(TEXT)], ids=["plain", "php", "net"]
)
@pytest.mark.parametrize("size", [4, 1000, 4096, 1 << 20])
def test_a_json_strings_text_reads_as_the_same_characters_whatever_its_escapes(raw, size):
    # GIVEN the same text held as a str and as the raw bytes of a JSON string
    held, in_body = Base64Text(TEXT), Base64Text.of_json_string(memoryview(raw))
    # THEN both read the same, slice after slice of the size asked, and measure the same
    assert _read(in_body, size) == _read(held, size) == TEXT.encode()
    assert all(len(chunk) == size for chunk in list(in_body.chunks(size))[:-1])
    assert len(in_body) == len(held) == len(TEXT)
    assert in_body.last(4) == TEXT[-4:].encode()
    assert in_body.sha256() == hashlib.sha256(TEXT.encode()).hexdigest()
    assert in_body == held


@pytest.mark.parametrize("window", [5, 6, 7, 8, 9, 10, 11])
def test_an_escape_cut_by_a_reading_window_is_resolved_whole(monkeypatch, window):
    # GIVEN windows so small that every escape is cut by one of them, somewhere
    monkeypatch.setattr(base64_text, "_WINDOW", window)
    raw = b"AB\\/CD\\u002B\\u002bEF\\/\\/GH"
    # WHEN the text is read
    text = Base64Text.of_json_string(memoryview(raw))
    # THEN each escape was resolved as one character
    assert _read(text, 3) == b"AB/CD++EF//GH"


@pytest.mark.parametrize("raw", [b"AB\\nCD", b"AB\\\\CD", b"AB\\u0100CD", b"AB\\"])
def test_escapes_that_stand_for_no_base64_character_leave_a_character_outside_it(raw):
    text = Base64Text.of_json_string(memoryview(raw))
    assert not _read(text, 4).isalnum()


def test_a_body_string_is_read_without_copying_it():
    # GIVEN a text held in a body
    body = b'{"content": "' + TEXT.encode() + b'"}'
    view = memoryview(body)[13 : 13 + len(TEXT)]
    # THEN its slices are views of the body itself
    chunk = next(Base64Text.of_json_string(view).chunks(1024))
    assert isinstance(chunk, memoryview)
    assert chunk.obj is body


def test_a_strs_slice_its_reader_drops_is_freed_before_the_next_one_is_made():
    # GIVEN a text of 4 slices of 1 MiB, given as a str
    slice_chars = 1024 * 1024
    text = Base64Text("QUJD" * slice_chars)
    # WHEN a reader drops each slice before asking for the next
    tracemalloc.start()
    try:
        for chunk in text.chunks(slice_chars):
            assert len(chunk) == slice_chars
            del chunk
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # THEN no two slices were ever held at once (the blob store's memory bound rests on it)
    assert peak < 1.5 * slice_chars


def test_non_ascii_characters_read_as_a_character_no_base64_text_holds():
    assert _read(Base64Text("QUJDé"), 2) == b"QUJD?"


def test_its_representation_never_shows_the_text():
    assert repr(Base64Text(TEXT)) == f"Base64Text(<{len(TEXT)} characters>)"
