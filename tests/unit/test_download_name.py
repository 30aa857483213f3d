"""An attachment's download is saved under its sanitised name: RFC 6266's `filename` (an
ASCII fallback) and `filename*` (the name itself, UTF-8, percent-encoded)."""

from __future__ import annotations

import pytest

from shared.domain.download_name import DEFAULT_DOWNLOAD_NAME, attachment_disposition


@pytest.mark.parametrize(
    ("name", "disposition"),
    [
        (
            "bollettino.pdf",
            "attachment; filename=\"bollettino.pdf\"; filename*=UTF-8''bollettino.pdf",
        ),
        (
            "Carta d'identità.pdf",
            'attachment; filename="Carta d\'identita.pdf"; '
            "filename*=UTF-8''Carta%20d%27identit%C3%A0.pdf",
        ),
        (
            "../../etc/avviso",
            "attachment; filename=\"avviso.pdf\"; filename*=UTF-8''avviso.pdf",
        ),
        (
            "<b>ricevuta</b>.pdf",
            "attachment; filename=\"ricevuta.pdf\"; filename*=UTF-8''ricevuta.pdf",
        ),
        (
            "日本語.pdf",
            'attachment; filename="attachment.pdf"; '
            "filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.pdf",
        ),
        ("", f"attachment; filename=\"{DEFAULT_DOWNLOAD_NAME}\"; filename*=UTF-8''attachment.pdf"),
    ],
)
def test_the_disposition_names_the_sanitised_file(name, disposition):
    assert attachment_disposition(name) == disposition


@pytest.mark.parametrize(
    "name", ['a"b.pdf', "a\\b;c,d%20e.pdf", "line\nbreak\r.pdf", "x\u202e.pdf"]
)
def test_the_fallback_needs_no_escaping_and_the_header_no_control_characters(name):
    disposition = attachment_disposition(name)
    fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert not set(fallback) & set('"\\%;,')
    assert fallback.isascii()
    assert fallback.endswith(".pdf")
    assert disposition.isprintable()
    assert disposition.isascii()
