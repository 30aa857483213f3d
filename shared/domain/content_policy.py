"""The content policy: what an institution may put in a message, beyond its shape and
limits. Checked at acceptance, so nothing that breaks it is stored or served.

A message is shown by apps and web pages that render its Markdown to HTML; its subject may
be shown anywhere (lists, lock screens, notifications); its attachments are opened by PDF
readers. So:

- *No raw HTML*, in the Markdown or the subject: a `<` followed by a letter, `/`, `!` or `?`
  (a tag, a closing tag, a comment `<!--`, a declaration, CDATA, a processing instruction)
  is refused wherever it appears, code spans included, unless it opens an autolink or a
  link's absolute destination in angle brackets (below). A `<` followed by anything else (a
  space, a digit, `=`) is text: `a < b`, `<= 10`, `<3`. Entities such as `&lt;` are text
  too, and render as text.
- *Links* (inline `[text](url)`, images `![alt](url)`, reference definitions `[ref]: url`,
  autolinks `<url>`) may only use `https:`, `mailto:` and `tel:`, or be relative (no scheme;
  never `//host`, which borrows the page's scheme). Plain `http:` is refused too, written as
  a link or bare (renderers turn a bare `http://` into a link): public administrations serve
  HTTPS, and an `http:` link can be rewritten on its way. A destination is judged as a
  browser would read it: HTML entities, percent escapes and backslash escapes resolved,
  whitespace and control or format characters dropped, letters folded to lower case; so
  `java&#115;cript:`, `JaVaScRiPt:`, `java%73cript:` and `java\\tscript:` are all
  `javascript:`. Bare `www.` addresses are left to the app (which links them with https).
- *The subject* is plain text: besides the above, it may not hold control characters (it
  is one line) or format characters (Unicode category Cf: zero-width spaces and joiners,
  soft hyphens, bidirectional controls), which hide text from readers and from the
  personal-data check.
- *Attachment names* lose markup: anything from a `<` to the next `>`, then any `<`, `>` or
  `"` left (shared.domain.attachments.sanitize_name); a name left empty is refused.
- *PDFs* may not carry active content: any of REFUSED_PDF_NAMES, found as written (`#xx`
  escapes resolved) or in a zlib-compressed stream (shared.domain.pdf_content); a file that
  cannot be checked within the bounds below (MAX_INFLATED_PDF_BYTES expanded, at most
  MAX_PDF_STREAMS streams, MAX_OVERLAPPING_PDF_STREAMS read at once) is refused too.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import unquote

from shared.domain.errors import FieldError

ALLOWED_LINK_SCHEMES = frozenset({"https", "mailto", "tel"})
# Schemes named in an error, being known: anything else is reported without being echoed.
_NAMED_SCHEMES = frozenset(
    {"http", "javascript", "vbscript", "data", "file", "ftp", "blob", "about", "intent"}
)

# PDF names that mark active content, and what each one is. `/JS` alone is not listed: a
# script action always says `/S /JavaScript` and the document's scripts live under
# `/JavaScript`, while a two-letter name turns up by chance in about one in thirty files of
# 10 MiB of compressed data. An `/OpenAction` or `/AA` (what happens on opening) is allowed
# as long as its action is not one of these (e.g. "open at page 1").
REFUSED_PDF_NAMES: dict[str, str] = {
    "JavaScript": "JavaScript",
    "Launch": "an action that launches a program or opens a file",
    "EmbeddedFile": "an embedded file",
    "EmbeddedFiles": "embedded files",
    "FileAttachment": "a file attachment annotation",
    "GoToE": "an action that opens an embedded file",
    "GoToR": "an action that opens another file",
    "ImportData": "an action that imports data from a file",
    "SubmitForm": "an action that sends form data to a server",
    "RichMedia": "rich media (Flash, video with scripts)",
    "XFA": "an XFA form (which may carry scripts)",
    "Encrypt": "encryption (an encrypted file cannot be checked)",
}
# How much a PDF's compressed streams may expand to, in all, to be checked; more is refused.
MAX_INFLATED_PDF_BYTES = 128 * 1024 * 1024
# Compressed streams being read at once: real files read one after the other.
MAX_OVERLAPPING_PDF_STREAMS = 4
# Streams a PDF may hold to be checked (a thousand-page scanned report holds a few
# thousand): more is refused, as looking at each has a cost.
MAX_PDF_STREAMS = 20_000

# A `<` that starts markup: a tag, a closing tag, a comment or declaration, an instruction.
_MARKUP_START = re.compile(r"<(?=[A-Za-z/!?])")
# CommonMark autolinks: <scheme:...> and <address@domain>.
_URI_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^<>\x00-\x20]*)>")
_EMAIL_AUTOLINK = re.compile(
    r"<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*>"
)
# Link destinations, read as CommonMark does, so that prose is not taken for a link: after
# "](" an inline link's or image's, then ")" or a title; at a line's start "[label]:" a
# reference definition's, alone on its line but for a title. Whitespace, one line end
# included, may come before the destination.
_GAP = r"[ \t]*(?:(?:\r\n|\r|\n)[ \t>]*)?"
_DESTINATION_TEXT = r"(<[^<>\r\n]*>|[^\s<>]+)"
_INLINE_DESTINATION = re.compile(r"\]\(" + _GAP + _DESTINATION_TEXT + "(" + _GAP + r"[)\"'(])?")
_REFERENCE_DESTINATION = re.compile(
    r"^[ \t>*+\-0-9.)]*\[(?:[^\[\]\\]|\\.){1,999}\]:"
    + _GAP
    + _DESTINATION_TEXT
    + r"(?=[ \t]*(?:\r|\n|\Z)|[ \t]+[\"'(])",
    re.MULTILINE | re.DOTALL,
)
_ANGLE_ABSOLUTE = re.compile(r"<[A-Za-z][A-Za-z0-9+.\-]{1,31}:")
# A bare address a renderer turns into a link (GFM autolinks): refused when it is http.
_BARE_HTTP = re.compile(r"(?<![A-Za-z0-9+.\-])http://", re.IGNORECASE)
# CommonMark backslash escapes: a backslash before ASCII punctuation.
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_SCHEME = re.compile(r"([^:/?#]*):")
_ENTITY_DEPTH = 3
_INVISIBLE = frozenset({"Cc", "Cf"})


def _dropped_invisible(text: str) -> str:
    return "".join(
        char for char in text if not char.isspace() and unicodedata.category(char) not in _INVISIBLE
    )


def normalised_destination(destination: str) -> str:
    """A link destination as a browser would act on it (see the module docstring)."""
    text = destination
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    for _ in range(_ENTITY_DEPTH):
        decoded = unquote(html.unescape(_BACKSLASH_ESCAPE.sub(r"\1", text)))
        if decoded == text:
            break
        text = decoded
    return _dropped_invisible(unicodedata.normalize("NFKC", text)).casefold()


def destination_scheme(destination: str) -> str | None:
    """The scheme a link destination uses ("" for a protocol-relative one, `//host`), or
    None when it is relative."""
    text = normalised_destination(destination)
    match = _SCHEME.match(text)
    if match is not None:
        return match.group(1)
    if text.replace("\\", "/").startswith("//"):
        return ""
    return None


def _refused_schemes(text: str) -> list[str]:
    """The schemes of the links in `text` that the policy refuses, in order of appearance."""
    found: list[str] = []
    destinations = [
        match.group(1)
        for match in _INLINE_DESTINATION.finditer(text)
        # A bare destination holds its link's closing parenthesis, or is followed by it (or
        # by a title); one in angle brackets is followed by it.
        if match.group(2) or (not match.group(1).startswith("<") and ")" in match.group(1))
    ]
    destinations += [match.group(1) for match in _REFERENCE_DESTINATION.finditer(text)]
    destinations += [match.group(1) for match in _URI_AUTOLINK.finditer(text)]
    for destination in destinations:
        scheme = destination_scheme(destination)
        if scheme is not None and scheme not in ALLOWED_LINK_SCHEMES:
            found.append(scheme)
    if _BARE_HTTP.search(html.unescape(text)):
        found.append("http")
    return found


def _has_markup(text: str) -> bool:
    # A link's absolute destination in angle brackets (so that it may hold spaces) is no
    # markup: the link rule judges it. Anything else shaped like a tag is refused.
    destinations = {
        match.start(1)
        for pattern in (_INLINE_DESTINATION, _REFERENCE_DESTINATION)
        for match in pattern.finditer(text)
        if _ANGLE_ABSOLUTE.match(match.group(1))
        and (pattern is _REFERENCE_DESTINATION or match.group(2))
    }
    for match in _MARKUP_START.finditer(text):
        start = match.start()
        if start in destinations:
            continue
        if _URI_AUTOLINK.match(text, start) or _EMAIL_AUTOLINK.match(text, start):
            continue
        return True
    return False


def _scheme_words(schemes: list[str]) -> str:
    named = sorted({f"{scheme}:" for scheme in schemes if scheme in _NAMED_SCHEMES})
    if "" in schemes:
        named.append("protocol-relative //")
    others = any(scheme not in _NAMED_SCHEMES and scheme != "" for scheme in schemes)
    return ", ".join(named + (["another scheme"] if others else []))


def text_errors(text: str, pointer: str) -> list[FieldError]:
    """The rules of raw HTML and links that `text` (Markdown or a subject) breaks, each an
    error at `pointer`; empty when it keeps them. Never echoes the text."""
    errors: list[FieldError] = []
    if _has_markup(text):
        errors.append(
            FieldError(
                "html_not_allowed",
                "raw HTML is not allowed: no tags, comments or other markup starting with "
                "'<' followed by a letter, '/', '!' or '?' (write 'a < b' with a space, or "
                "&lt;)",
                pointer,
            )
        )
    schemes = _refused_schemes(text)
    if schemes:
        errors.append(
            FieldError(
                "link_not_allowed",
                "links may only use https:, mailto: or tel: (or be relative); found "
                + _scheme_words(schemes),
                pointer,
            )
        )
    return errors


def subject_character_errors(subject: str, pointer: str) -> list[FieldError]:
    """The subject's control and format characters (Unicode Cc, Cf), as errors at
    `pointer`; it is one line of visible text."""
    categories = {unicodedata.category(char) for char in subject}
    errors: list[FieldError] = []
    if "Cc" in categories:
        errors.append(
            FieldError(
                "control_characters",
                "the subject is one line of text: no line breaks, tabs or other control characters",
                pointer,
            )
        )
    if "Cf" in categories:
        errors.append(
            FieldError(
                "format_characters",
                "the subject may not hold invisible format characters (zero-width spaces "
                "or joiners, soft hyphens, bidirectional controls)",
                pointer,
            )
        )
    return errors


_MARKUP = re.compile(r"<[^>]*>")
_MARKUP_CHARACTERS = str.maketrans("", "", '<>"')


def without_markup(name: str) -> str:
    """`name` without anything from a `<` to the next `>`, nor any `<`, `>` or `"` left."""
    return _MARKUP.sub("", name).translate(_MARKUP_CHARACTERS)


def pdf_name_words(names: tuple[str, ...]) -> str:
    """What the refused PDF names found stand for, for an error's detail."""
    return ", ".join(REFUSED_PDF_NAMES[name] for name in names)
