"""What a service tells citizens about itself, as IO's service metadata does: whom to write
to, its privacy notice, its topic and whether it serves the whole country or one place.

Each check returns the errors of one value, pointing at the field it would set, so the
operator's entry point can name its own flag.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from shared.domain.compat import StrEnum
from shared.domain.errors import FieldError

MAX_NAME_LENGTH = 200
MAX_EMAIL_LENGTH = 254
MAX_PRIVACY_URL_LENGTH = 2048
MAX_TOPIC_LENGTH = 100
# One local part and one domain of at least two labels; no spaces, no second @.
_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


class ServiceScope(StrEnum):
    """IO's scope of a service: the whole country, or one local authority's area."""

    NATIONAL = "NATIONAL"
    LOCAL = "LOCAL"


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(char) in {"Cc", "Cf"} for char in text)


def name_errors(name: str) -> list[FieldError]:
    """A service's name: not blank, at most MAX_NAME_LENGTH characters, printable."""
    if not name.strip():
        return [FieldError("required", "the service needs a name", "/name")]
    if len(name) > MAX_NAME_LENGTH or _has_control_characters(name):
        detail = f"a name has at most {MAX_NAME_LENGTH} printable characters"
        return [FieldError("invalid_name", detail, "/name")]
    return []


def contact_email_errors(email: str) -> list[FieldError]:
    """An e-mail address citizens may write to (local part @ a domain with a dot)."""
    if len(email) <= MAX_EMAIL_LENGTH and _EMAIL_RE.fullmatch(email):
        return []
    detail = f"{email!r} is not an e-mail address such as tributi@comune.example.it"
    return [FieldError("invalid_email", detail, "/contact_email")]


def privacy_url_errors(url: str) -> list[FieldError]:
    """The privacy notice's address: https, a host, no credentials, no spaces."""
    try:
        parts = urlsplit(url)
        ok = (
            parts.scheme == "https"
            and bool(parts.hostname)
            and parts.username is None
            and len(url) <= MAX_PRIVACY_URL_LENGTH
            and not any(char.isspace() for char in url)
        )
    except ValueError:
        ok = False
    if ok:
        return []
    detail = (
        f"{url!r} is not an https URL (at most {MAX_PRIVACY_URL_LENGTH} characters, no user "
        "name), e.g. https://www.comune.example.it/privacy"
    )
    return [FieldError("invalid_url", detail, "/privacy_url")]


def topic_errors(topic: str) -> list[FieldError]:
    """A topic in free text: 1 to MAX_TOPIC_LENGTH printable characters."""
    if topic.strip() and len(topic) <= MAX_TOPIC_LENGTH and not _has_control_characters(topic):
        return []
    detail = f"a topic has 1 to {MAX_TOPIC_LENGTH} printable characters"
    return [FieldError("invalid_topic", detail, "/topic")]


def parse_scope(text: str, errors: list[FieldError]) -> ServiceScope | None:
    """NATIONAL or LOCAL, in any case; None (and an error added) otherwise."""
    try:
        return ServiceScope(text.strip().upper())
    except ValueError:
        choices = ", ".join(scope.value for scope in ServiceScope)
        errors.append(FieldError("invalid_choice", f"{text!r} is not one of {choices}", "/scope"))
        return None
