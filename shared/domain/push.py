"""Pushes: a reminder, or the news that a message reached the inbox, addressed to a keyed
hash of the citizen's fiscal code (never the code), naming the message for the app to open.

A push may be shown on a locked phone. Reminders and ANONYMOUS new-message pushes carry a
fixed text in the citizen's language: never the subject, the sender, an amount or a name.
A FULL new-message push shows the service's name and the subject, because the citizen chose
it (PushContent.FULL in their profile); subjects are free of personal data by the guard at
acceptance, and both texts are cleaned of control characters and cut to a push's length.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from shared.domain.compat import StrEnum
from shared.domain.profile import PushContent


class ReminderKind(StrEnum):
    """What a push is about: one of the three reminders, or a new message in the inbox."""

    UNREAD = "UNREAD"
    PAYMENT = "PAYMENT"
    DUE_TOMORROW = "DUE_TOMORROW"
    NEW_MESSAGE = "NEW_MESSAGE"


DEFAULT_PUSH_LANGUAGE = "it"
# Title and body per language and kind; the app shows them as they are. NEW_MESSAGE's is
# the ANONYMOUS new-message push.
PUSH_TEXTS: dict[str, dict[ReminderKind, tuple[str, str]]] = {
    "it": {
        ReminderKind.UNREAD: ("Promemoria", "Hai un messaggio non letto"),
        ReminderKind.PAYMENT: ("Promemoria", "Hai un avviso da pagare"),
        ReminderKind.DUE_TOMORROW: ("Promemoria", "Un avviso scade domani"),
        ReminderKind.NEW_MESSAGE: ("Nuovo messaggio", "Hai un nuovo messaggio"),
    },
    "en": {
        ReminderKind.UNREAD: ("Reminder", "You have an unread message"),
        ReminderKind.PAYMENT: ("Reminder", "You have a notice to pay"),
        ReminderKind.DUE_TOMORROW: ("Reminder", "A notice is due tomorrow"),
        ReminderKind.NEW_MESSAGE: ("New message", "You have a new message"),
    },
    "de": {
        ReminderKind.UNREAD: ("Erinnerung", "Sie haben eine ungelesene Nachricht"),
        ReminderKind.PAYMENT: ("Erinnerung", "Sie haben eine Zahlungsaufforderung zu begleichen"),
        ReminderKind.DUE_TOMORROW: ("Erinnerung", "Eine Zahlung ist morgen fällig"),
        ReminderKind.NEW_MESSAGE: ("Neue Nachricht", "Sie haben eine neue Nachricht"),
    },
}


def push_language(preferred_languages: tuple[str, ...]) -> str:
    """The first of the citizen's languages (locales such as de_DE) a push is written in;
    Italian when none is."""
    for locale in preferred_languages:
        language = locale.split("_", 1)[0].lower()
        if language in PUSH_TEXTS:
            return language
    return DEFAULT_PUSH_LANGUAGE


@dataclass(frozen=True)
class Push:
    """One push. `tag` addresses the citizen's installations (a keyed hash, never the fiscal
    code); `collapse_key` (the message id) lets a new push about the message replace the
    last; `expires_at` drops a payment reminder nobody saw before the due date."""

    tag: str
    kind: ReminderKind
    language: str
    title: str
    body: str
    message_id: str
    collapse_key: str
    expires_at: datetime | None


def reminder_push(
    *,
    tag: str,
    kind: ReminderKind,
    preferred_languages: tuple[str, ...],
    message_id: str,
    expires_at: datetime | None,
) -> Push:
    """The push for a reminder of `kind` about `message_id`, in the citizen's language."""
    language = push_language(preferred_languages)
    title, body = PUSH_TEXTS[language][kind]
    return Push(
        tag=tag,
        kind=kind,
        language=language,
        title=title,
        body=body,
        message_id=message_id,
        collapse_key=message_id,
        expires_at=expires_at,
    )


# A FULL push's texts are cut to what a phone shows of a notification's title and body.
MAX_TITLE_LENGTH = 60
MAX_BODY_LENGTH = 120
ELLIPSIS = "\u2026"
# Control, format (zero-width, bidirectional), surrogate, private-use and unassigned
# characters: nothing a notification should render.
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def push_text(text: str, limit: int) -> str:
    """`text` fit for a push: unprintable characters dropped, each run of white space one
    space, and at most `limit` characters: a longer text is cut, at a word when one ends
    in its second half, and ends with an ellipsis."""
    kept = "".join(
        " " if char.isspace() else char
        for char in unicodedata.normalize("NFC", text)
        if char.isspace() or unicodedata.category(char) not in _UNPRINTABLE
    )
    single = " ".join(kept.split())
    if len(single) <= limit:
        return single
    cut = single[: limit - 1]
    if single[limit - 1] != " ":
        word_end = cut.rfind(" ")
        if word_end >= limit // 2:
            cut = cut[:word_end]
    return cut.rstrip(" ,;:-") + ELLIPSIS


def new_message_push(
    *,
    tag: str,
    preferred_languages: tuple[str, ...],
    content: PushContent,
    service_name: str,
    subject: str,
    message_id: str,
) -> Push:
    """The push telling the citizen that `message_id` reached their inbox: ANONYMOUS, a
    fixed text in their language; FULL, the service's name as title and the subject as
    body (each falling back to the fixed text if nothing printable is left)."""
    language = push_language(preferred_languages)
    title, body = PUSH_TEXTS[language][ReminderKind.NEW_MESSAGE]
    if content is PushContent.FULL:
        title = push_text(service_name, MAX_TITLE_LENGTH) or title
        body = push_text(subject, MAX_BODY_LENGTH) or body
    return Push(
        tag=tag,
        kind=ReminderKind.NEW_MESSAGE,
        language=language,
        title=title,
        body=body,
        message_id=message_id,
        collapse_key=message_id,
        expires_at=None,
    )
