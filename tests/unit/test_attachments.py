"""The rules for PDF attachments, before any byte is stored."""

from __future__ import annotations

import base64

import pytest

from shared.domain.attachments import (
    MAX_ATTACHMENT_BYTES,
    MAX_NAME_LENGTH,
    AttachmentInput,
    attachment_errors,
    decoded_size,
    is_pdf,
    looks_like_pdf,
    sanitize_name,
)
from shared.domain.base64_text import Base64Text

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _attachment(data: bytes = PDF, name: str = "avviso.pdf") -> AttachmentInput:
    return AttachmentInput(
        name=name,
        content_type="application/pdf",
        content=Base64Text(base64.b64encode(data).decode()),
    )


def _padded(size: int) -> str:
    """Base64 text of a PDF of exactly `size` bytes: header, padding, trailer."""
    head, tail = b"%PDF-1.7\n", b"\n%%EOF\n"
    return base64.b64encode(head + b"\0" * (size - len(head) - len(tail)) + tail).decode()


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, 1000, 1001, 1002])
def test_decoded_size_is_computed_from_the_text_exactly(size):
    assert decoded_size(base64.b64encode(b"x" * size).decode()) == size


@pytest.mark.parametrize("text", ["abc", "ab=c", "a b c d", "@@@@", "YWJj\n"])
def test_text_that_is_not_canonical_base64_has_no_size(text):
    assert decoded_size(text) is None


@pytest.mark.parametrize(
    "data",
    [PDF, PDF.rstrip(b"\n"), PDF + b"\r\n\r\n", PDF + b"\x00\x00"],
)
def test_a_pdf_is_recognised_by_its_header_and_trailer(data):
    assert is_pdf(data)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF89a...%%EOF",  # an image renamed .pdf
        b"%PDF-1.7\nno trailer at all",  # truncated upload
        b"%PDF-1.7\n%%EOF\ntrailing junk appended",
        b"  %PDF-1.7\n%%EOF",  # header not at the start
    ],
)
def test_bytes_that_are_not_a_whole_pdf_are_refused(data):
    assert not is_pdf(data)
    assert not looks_like_pdf(base64.b64encode(data).decode())


@pytest.mark.parametrize("padding", [0, 1, 2, 1535, 1536, 1537, 5000])
def test_a_pdf_is_recognised_from_its_base64_head_and_tail_alone(padding):
    data = PDF[:9] + b"\0" * padding + PDF[9:]
    assert looks_like_pdf(base64.b64encode(data).decode())


def test_a_trailer_followed_by_a_kilobyte_of_junk_is_not_a_pdf():
    assert not looks_like_pdf(base64.b64encode(PDF + b"x" * 2000).decode())


def test_bytes_renamed_pdf_are_reported_as_not_a_pdf():
    fake = _attachment(b"PK\x03\x04 a zip file, not a PDF", name="avviso.pdf")
    errors = attachment_errors([fake])
    assert [(e.code, e.pointer) for e in errors] == [
        ("not_a_pdf", "/content/attachments/0/content")
    ]


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("avviso.pdf", "avviso.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ("C:\\Users\\mario\\avviso.PDF", "avviso.pdf"),
        ("avviso\x00\x1b[31m.pdf", "avviso[31m.pdf"),
        ("a\u202etxt.pdf", "atxt.pdf"),  # right-to-left override removed
        ("  avviso   tari  2026 .pdf ", "avviso tari 2026.pdf"),
        ("report", "report.pdf"),
        ("...", None),
        ("/", None),
        ("\x00\x01", None),
    ],
)
def test_names_are_sanitised(name, safe):
    assert sanitize_name(name) == safe


def test_long_names_are_cut_keeping_the_extension():
    safe = sanitize_name("x" * 300 + ".pdf")
    assert safe is not None
    assert len(safe) == MAX_NAME_LENGTH
    assert safe.endswith(".pdf")


def test_five_valid_attachments_break_no_rule():
    assert attachment_errors([_attachment() for _ in range(5)]) == []


def test_a_sixth_attachment_is_too_many():
    errors = attachment_errors([_attachment() for _ in range(6)])
    assert [(e.code, e.pointer) for e in errors] == [("too_many", "/content/attachments")]


def test_an_attachment_over_10_mib_points_at_its_content():
    big = AttachmentInput(
        name="big.pdf",
        content_type="application/pdf",
        content=Base64Text(_padded(MAX_ATTACHMENT_BYTES + 1)),
    )
    errors = attachment_errors([_attachment(), big])
    assert [(e.code, e.pointer) for e in errors] == [
        ("too_large", "/content/attachments/1/content")
    ]


def test_attachments_over_20_mib_in_all_are_refused_even_if_each_is_allowed():
    each = AttachmentInput(
        name="a.pdf",
        content_type="application/pdf",
        content=Base64Text(_padded(MAX_ATTACHMENT_BYTES)),
    )
    errors = attachment_errors([each, each, _attachment()])
    assert [(e.code, e.pointer) for e in errors] == [("too_large", "/content/attachments")]


def test_bad_base64_and_an_unusable_name_are_both_reported():
    broken = AttachmentInput(
        name="...", content_type="application/pdf", content=Base64Text("not base64!")
    )
    errors = attachment_errors([broken])
    assert sorted(e.pointer for e in errors) == [
        "/content/attachments/0/content",
        "/content/attachments/0/name",
    ]
