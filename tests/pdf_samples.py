"""Small PDFs for the content policy's tests: a plain document, and the same carrying active
content in the ways real files do (as written, with escaped names, in compressed object
streams)."""

from __future__ import annotations

import zlib

JAVASCRIPT_ACTION = b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"
LAUNCH_ACTION = b"<< /S /Launch /F (cmd.exe) >>"
GOTO_PAGE_ACTION = b"[3 0 R /Fit]"
PAGE_TEXT = b"BT /F1 12 Tf 72 720 Td (Avviso di pagamento TARI 2026) Tj ET"


def _object(number: int, body: bytes) -> bytes:
    return b"%d 0 obj\n" % number + body + b"\nendobj\n"


def stream_object(
    number: int, data: bytes, dictionary: bytes = b"", *, deflate: bool = True
) -> bytes:
    """An object holding a stream of `data`, compressed with zlib (FlateDecode) by default."""
    if deflate:
        data = zlib.compress(data)
        dictionary += b" /Filter /FlateDecode"
    return _object(
        number, b"<< /Length %d%s >>\nstream\r\n" % (len(data), dictionary) + data + b"\nendstream"
    )


def object_stream(number: int, *objects: tuple[int, bytes]) -> bytes:
    """A compressed object stream (/Type /ObjStm) packing these (number, body) objects."""
    offsets, bodies, at = [], [], 0
    for object_number, body in objects:
        offsets.append(b"%d %d" % (object_number, at))
        bodies.append(body)
        at += len(body) + 1
    header = b" ".join(offsets) + b" "
    return stream_object(
        number,
        header + b"\n".join(bodies),
        b" /Type /ObjStm /N %d /First %d" % (len(objects), len(header)),
    )


def a_pdf(*extra: bytes, open_action: bytes = GOTO_PAGE_ACTION, catalog: bytes = b"") -> bytes:
    """A one-page PDF saying a few words (its page content compressed), opening on its
    page, with `extra` objects (numbered from 5) added before its trailer."""
    return b"".join(
        [
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
            _object(
                1, b"<< /Type /Catalog /Pages 2 0 R /OpenAction %s%s >>" % (open_action, catalog)
            ),
            _object(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
            _object(
                3,
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
                b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 "
                b"/BaseFont /Helvetica >> >> >> >>",
            ),
            stream_object(4, PAGE_TEXT),
            *extra,
            b"trailer\n<< /Size 9 /Root 1 0 R >>\nstartxref\n0\n%%EOF\n",
        ]
    )


def with_javascript_on_open() -> bytes:
    """A PDF that runs a script when opened, written plainly."""
    return a_pdf(_object(5, JAVASCRIPT_ACTION), open_action=b"5 0 R")


def with_javascript_in_an_object_stream() -> bytes:
    """The same, its action packed in a compressed object stream (as optimising writers
    and malware do)."""
    return a_pdf(object_stream(6, (5, JAVASCRIPT_ACTION)), open_action=b"5 0 R")


def with_escaped_javascript_name() -> bytes:
    """The same, the names spelled with #xx escapes."""
    action = b"<< /S /J#61vaScript /JS (app.alert\\(1\\)) >>"
    return a_pdf(_object(5, action), open_action=b"5 0 R")


def with_an_embedded_file() -> bytes:
    """A PDF carrying another file (a document-level attachment)."""
    names = b" /Names << /EmbeddedFiles << /Names [(a.exe) 6 0 R] >> >>"
    filespec = _object(6, b"<< /Type /Filespec /F (a.exe) /EF << /F 5 0 R >> >>")
    embedded = stream_object(5, b"MZ\x90\x00 not really a program", b" /Type /EmbeddedFile")
    return a_pdf(embedded, filespec, catalog=names)


def with_a_launch_action() -> bytes:
    return a_pdf(_object(5, LAUNCH_ACTION), open_action=b"5 0 R")
