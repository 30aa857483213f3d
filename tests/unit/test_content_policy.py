"""The content policy's rules, one by one: raw HTML, link schemes (however obfuscated),
the subject's characters, attachment names."""

from __future__ import annotations

import json
import time

import pytest

from shared.domain.attachments import sanitize_name
from shared.domain.content_policy import (
    destination_scheme,
    subject_character_errors,
    text_errors,
)

POINTER = "/content/markdown"


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) for char in text)


def _codes(text: str) -> list[str]:
    return [error.code for error in text_errors(text, POINTER)]


# --- raw HTML ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Dear citizen <script>alert(1)</script>",
        'see <img src=x onerror="alert(1)">',
        "closing only </div> here",
        "a comment <!-- hidden --> here",
        "<!DOCTYPE html>",
        "<![CDATA[ x ]]>",
        "<?php echo 1 ?>",
        "<svg/onload=alert(1)>",
        "`<b>` in a code span too",
        "<a href='https://comune.example.it'>a link written as HTML</a>",
        "<javascript&#58;alert(1)>",  # not an autolink: markup
        "[x](<script>alert(1)</script>",  # no link after all: raw HTML
        '[x](<script> "t")',  # a relative destination in brackets: refused to be safe
    ],
)
def test_raw_html_is_refused(text):
    assert "html_not_allowed" in _codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "If a < b then b > a",
        "amounts <= 10 euro, or <100 euro, or <3",
        "arrows <- and <-> and <=>",
        "&lt;script&gt; written as entities is text",
        "an autolink <https://www.comune.example.it/tari>",
        "an e-mail autolink <tributi@comune.example.it>",
        "< script> with a space is text, as HTML reads it",
    ],
)
def test_text_that_html_reads_as_text_is_allowed(text):
    assert _codes(text) == []


# --- links -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[pay](javascript:alert(1))",
        "[pay](JaVaScRiPt:alert(1))",
        "[pay](java&#115;cript:alert(1))",
        "[pay](&#x6A;avascript&colon;alert(1))",
        "[pay](&amp;#106;avascript:alert(1))",
        "[pay](java%73cript:alert(1))",
        "[pay](<java\tscript:alert(1)>)",
        "[pay](ja&#10;vascript:alert(1))",
        "[pay](\u200bjavascript:alert(1))",
        "[pay](\njavascript:alert(1))",
        "[pay]( javascript:void )",
        "[pay](javascript\\:alert(1))",
        "![pixel](javascript:alert(1))",
        "[pay][ref]\n\n[ref]: javascript:alert(1)",
        "[ref]: javascript:alert(1)\r\n",
        "> [ref]:\n> javascript:alert(1)",
        '[ref]: javascript:alert(1) "a title"',
        "[a\\]b]: javascript:alert(1)",
        "<javascript:alert(1)>",
        "<JAVASCRIPT:alert(1)>",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "![x](data:image/svg+xml;base64,PHN2Zz4=)",
        "[x](file:///etc/passwd)",
        "[x](http://comune.example.it)",
        "<http://comune.example.it>",
        "see http://comune.example.it for details",
        "see h&#116;tp://comune.example.it",
        "[x](//evil.example)",
        "[x](/\\evil.example)",
        "[x](ftp://files.example.it)",
    ],
)
def test_links_other_than_https_mailto_tel_are_refused_however_written(text):
    assert _codes(text) == ["link_not_allowed"] or _codes(text) == [
        "html_not_allowed",
        "link_not_allowed",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "[pay](https://checkout.pagopa.it/pay?n=3020)",
        "[write](mailto:tributi@comune.example.it) or [call](tel:+39061234567)",
        '[pay](<https://comune.example.it/a b> "title")',
        "[ref][1]\n\n[1]: https://comune.example.it",
        "[top](#section) and [page](/tari) are relative",
        "visit www.comune.example.it or https://comune.example.it",
        "[Importante]: Scadenza: 30 giugno",  # prose, not a reference definition
        "[Nota] (vedi sotto) and [x](Data: 12 marzo)",  # prose, not links
        "Data: 12 marzo 2026, ore 10:30",
    ],
)
def test_https_mailto_tel_and_relative_links_and_prose_are_allowed(text):
    assert _codes(text) == []


@pytest.mark.parametrize(
    ("destination", "scheme"),
    [
        ("https://a.it", "https"),
        ("HTTPS://a.it", "https"),
        ("java&#115;cript:x", "javascript"),
        (_fullwidth("javascript") + ":x", "javascript"),
        ("/tari", None),
        ("page?x=a:b", None),
        ("//evil.it", ""),
    ],
)
def test_a_destinations_scheme_is_read_as_a_browser_would(destination, scheme):
    assert destination_scheme(destination) == scheme


def test_errors_name_known_schemes_and_never_echo_the_text():
    errors = text_errors("[x](javascript:steal(secret123)) [y](weird-scheme:zzz)", POINTER)
    (error,) = errors
    assert error.pointer == POINTER
    assert "javascript:" in error.detail
    assert "another scheme" in error.detail
    assert "secret123" not in json.dumps(error.__dict__)
    assert "weird-scheme" not in error.detail


# --- the subject -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "code"),
    [
        ("Pratica RSS\u200bMRA80A01H501U", "format_characters"),  # zero-width space
        ("Pratica RSSMRA80\u00adA01H501U", "format_characters"),  # soft hyphen
        ("Pratica RSSMRA80A01\u2060H501U", "format_characters"),  # word joiner
        ("Avviso \u202epdf.exe", "format_characters"),  # right-to-left override
        ("Avviso\nsu due righe", "control_characters"),
        ("Avviso\tcon tab", "control_characters"),
    ],
)
def test_a_subject_with_invisible_characters_is_refused(subject, code):
    assert [e.code for e in subject_character_errors(subject, "/content/subject")] == [code]


def test_an_ordinary_subject_with_accents_and_emoji_passes():
    assert subject_character_errors("Tassa rifiuti: è ora di pagare 🗑️", "/s") == []


# --- attachment names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ('<img src=x onerror="alert(1)">avviso.pdf', "avviso.pdf"),
        ("<b>Avviso</b> TARI.pdf", "Avviso TARI.pdf"),
        ("<script>alert(1)</script>.pdf", "alert(1).pdf"),
        ('avviso "urgente" <2026>.pdf', "avviso urgente.pdf"),
        ("a > b.pdf", "a b.pdf"),
        ("Tributi & Tasse dell'anno.pdf", "Tributi & Tasse dell'anno.pdf"),
        ("<img src=x onerror=alert(1)>", None),
    ],
)
def test_attachment_names_lose_their_markup(name, safe):
    assert sanitize_name(name) == safe


# --- cost ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[" + "\n[" * 4999,
        ("[" + "a" * 998 + "\n") * 10,
        "<a" * 5000,
        "](" + " " * 9998,
        "[a]:" * 2500,
        "[x](" + "&amp;" * 1990 + ")",
        "[x](" + "%25" * 3000 + ")",
        "[x](" + "\\\\" * 4990 + ")",
    ],
    ids=["brackets", "labels", "tags", "gap", "definitions", "entities", "percents", "escapes"],
)
def test_the_longest_markdown_is_checked_in_linear_time(text):
    # GIVEN 10 000 characters made to slow a naive search down
    started = time.perf_counter()
    text_errors(text[:10000], POINTER)
    # THEN checking them takes a small fraction of a second
    assert time.perf_counter() - started < 0.5
