"""The PDF inspector: header, trailer and active content, found slice by slice whatever
the slicing, as written or inside compressed streams."""

from __future__ import annotations

import os
import time
import zlib

import pytest

from shared.domain import pdf_content
from shared.domain.content_policy import REFUSED_PDF_NAMES
from shared.domain.pdf_content import PdfInspector, inspect_pdf
from tests.pdf_samples import (
    a_pdf,
    object_stream,
    stream_object,
    with_a_launch_action,
    with_an_embedded_file,
    with_escaped_javascript_name,
    with_javascript_in_an_object_stream,
    with_javascript_on_open,
)

MIB = 1024 * 1024


def _in_slices(data: bytes, size: int) -> list[bytes]:
    return [data[start : start + size] for start in range(0, len(data), size)]


def _escaped(name: str) -> bytes:
    return b"/" + b"".join(b"#%02X" % ord(char) for char in name)


def test_a_plain_document_with_compressed_pages_and_an_open_action_is_clean():
    # GIVEN a PDF that opens on its page (an /OpenAction that is no script)
    findings = inspect_pdf(a_pdf())
    # THEN it is a PDF and carries nothing refused
    assert findings.is_pdf
    assert (findings.active_content, findings.not_checkable) == ((), None)


@pytest.mark.parametrize(
    ("sample", "found"),
    [
        (with_javascript_on_open, ("JavaScript",)),
        (with_escaped_javascript_name, ("JavaScript",)),
        (with_javascript_in_an_object_stream, ("JavaScript",)),
        (with_an_embedded_file, ("EmbeddedFile", "EmbeddedFiles")),
        (with_a_launch_action, ("Launch",)),
    ],
)
def test_active_content_is_found_as_written_escaped_or_compressed(sample, found):
    assert inspect_pdf(sample()).active_content == found


@pytest.mark.parametrize("name", sorted(REFUSED_PDF_NAMES))
def test_each_refused_name_is_found_plain_and_spelled_with_escapes(name):
    plain = a_pdf(b"5 0 obj\n<< /S /%s >>\nendobj\n" % name.encode())
    escaped = a_pdf(b"5 0 obj\n<< /S %s >>\nendobj\n" % _escaped(name))
    assert inspect_pdf(plain).active_content == (name,)
    assert inspect_pdf(escaped).active_content == (name,)


@pytest.mark.parametrize(
    "text",
    [
        b"<< /JavaScriptX 1 >>",  # a longer name is another name
        b"<< /javascript 1 >>",  # names are case-sensitive: no reader acts on this one
        b"<< /JS 1 /EF 2 >>",  # short names are not listed (see content_policy)
        b"<< /Title (JavaScript and Launch, as words) >>",
    ],
)
def test_names_that_merely_look_alike_are_not_refused(text):
    assert inspect_pdf(a_pdf(b"5 0 obj\n" + text + b"\nendobj\n")).active_content == ()


def test_a_refused_name_inside_a_string_still_counts():
    # The search over-approximates: it does not tell strings from dictionaries.
    data = a_pdf(b"5 0 obj\n<< /Title (/Launch) >>\nendobj\n")
    assert inspect_pdf(data).active_content == ("Launch",)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 500, 4096])
def test_what_is_found_does_not_depend_on_where_the_slices_end(size):
    for sample in (with_javascript_on_open, with_escaped_javascript_name, with_an_embedded_file):
        whole = inspect_pdf(sample())
        assert inspect_pdf(*_in_slices(sample(), size)) == whole


def test_a_compressed_object_stream_cut_across_many_slices_is_still_read():
    # GIVEN an object stream of incompressible filler, the script at its very end
    filler = os.urandom(3 * MIB).hex().encode()
    data = a_pdf(object_stream(6, (7, b"(" + filler + b")"), (5, b"<< /S /JavaScript >>")))
    # WHEN it is fed in slices of 1 MiB
    findings = inspect_pdf(*_in_slices(data, MIB))
    # THEN the script is found
    assert findings.active_content == ("JavaScript",)


def test_a_stream_keyword_in_a_string_does_not_hide_the_real_object_stream():
    # GIVEN a dictionary whose string holds "stream" and a line end, then a real object
    # stream with a script
    decoy = b"5 0 obj\n<< /Title (stream\n) >>\nendobj\n"
    data = a_pdf(decoy, object_stream(6, (7, b"<< /S /JavaScript >>")))
    assert inspect_pdf(data).active_content == ("JavaScript",)


def test_an_object_stream_inside_a_stored_zlib_block_is_read_too():
    # GIVEN a fake zlib stream (stored, uncompressed blocks) whose bytes hold a real
    # compressed object stream with a script
    inner = object_stream(6, (7, b"<< /S /Launch >>"))
    fake = stream_object(5, inner, deflate=False).replace(
        b"stream\r\n" + inner, b"stream\r\n" + zlib.compress(inner, level=0)
    )
    # THEN the inner stream is inflated as well
    assert inspect_pdf(a_pdf(fake)).active_content == ("Launch",)


def test_a_decompression_bomb_is_not_checkable(monkeypatch):
    # GIVEN a budget of 1 MiB, and a stream inflating to 2 MiB of zeros
    monkeypatch.setattr(pdf_content, "MAX_INFLATED_PDF_BYTES", MIB)
    bomb = stream_object(5, bytes(2 * MIB))
    # WHEN it is inspected
    findings = inspect_pdf(a_pdf(bomb))
    # THEN it is reported as not checkable, having inflated no more than the budget allows
    assert findings.not_checkable is not None
    assert "expands to more than 1 MiB" in findings.not_checkable


def test_corrupt_or_non_zlib_streams_are_skipped():
    # GIVEN a stream that is not zlib (an image) and one cut short
    image = stream_object(5, b"\xff\xd8\xff\xe0 a JPEG", b" /Filter /DCTDecode", deflate=False)
    truncated = stream_object(6, b"x" * 1000).replace(b"\nendstream", b"")[:60] + b"\nendstream"
    findings = inspect_pdf(a_pdf(image, truncated))
    assert findings.is_pdf
    assert (findings.active_content, findings.not_checkable) == ((), None)


@pytest.mark.parametrize(
    ("data", "header", "trailer"),
    [
        (b"%PDF-1.7\n%%EOF", True, True),
        (b"%PDF-1.7\n%%EOF\r\n\x00\x00", True, True),
        (b"GIF89a%%EOF", False, True),
        (b"%PDF-1.7\nno trailer", True, False),
        (b"%PDF-1.7\n%%EOF" + b"x" * 2000, True, False),
        (b"", False, False),
    ],
)
def test_the_header_and_trailer_are_read_from_the_first_and_last_bytes(data, header, trailer):
    for size in (1, 3, 1000):
        findings = inspect_pdf(*_in_slices(data, size)) if data else inspect_pdf()
        assert (findings.has_header, findings.has_trailer) == (header, trailer)


@pytest.mark.parametrize(
    "text",
    [
        b"/" + b"#41" * 3 * MIB,  # one endless escaped name
        b"/a#41" * (MIB // 2),  # many short escaped names
        b"stream\n" * (MIB // 2),  # many stream starts, none of them zlib
        b"\\" * 3 * MIB,
    ],
    ids=["endless-name", "escaped-names", "stream-keywords", "backslashes"],
)
def test_adversarial_bytes_are_inspected_in_linear_time(text):
    # GIVEN 3 MiB of bytes made to slow a naive search down
    inspector = PdfInspector()
    started = time.perf_counter()
    # WHEN they are fed as one 3 MiB slice
    inspector.feed(text[: 3 * MIB])
    inspector.finish()
    # THEN it takes well under a second (a quadratic search would take minutes)
    assert time.perf_counter() - started < 1.0
