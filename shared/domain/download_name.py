"""The Content-Disposition an attachment's download carries, so that the citizen's device
saves it under its sanitised name rather than the blob's (`{message id}/{position}`).

RFC 6266: `filename` holds an ASCII fallback every client reads; `filename*` (RFC 8187) the
name itself, percent-encoded UTF-8, which current browsers prefer.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from shared.domain.attachments import sanitize_name

# Used when sanitising leaves nothing, and as the ASCII fallback of a name with no ASCII.
DEFAULT_DOWNLOAD_NAME = "attachment.pdf"
# RFC 8187's attr-char, less ALPHA / DIGIT, which quote() always keeps.
_ATTR_CHAR_PUNCTUATION = "!#$&+-.^_`|~"
# Not in the fallback: a quote or backslash would need escaping (which clients read
# differently), `%` some clients decode, `;` and `,` some split parameters on.
_UNSAFE_IN_FALLBACK = re.compile(r'["\\%;,]')


def _ascii_fallback(name: str) -> str:
    # `name` is sanitised, so it ends in ".pdf". Accents are dropped from their letters
    # ("à" is "a"); other non-ASCII characters go.
    decomposed = unicodedata.normalize("NFKD", name.removesuffix(".pdf"))
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"\s+", " ", _UNSAFE_IN_FALLBACK.sub("_", ascii_only)).strip(" .")
    return f"{stem}.pdf" if stem.strip("_") else DEFAULT_DOWNLOAD_NAME


def attachment_disposition(name: str) -> str:
    """`attachment; filename="..."; filename*=UTF-8''...` for an attachment called `name`,
    sanitised again (shared.domain.attachments.sanitize_name) whatever it is."""
    safe = sanitize_name(name) or DEFAULT_DOWNLOAD_NAME
    encoded = quote(safe, safe=_ATTR_CHAR_PUNCTUATION, encoding="utf-8")
    return f"attachment; filename=\"{_ascii_fallback(safe)}\"; filename*=UTF-8''{encoded}"
