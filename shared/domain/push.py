"""Reminder pushes: fixed texts that carry no personal data, addressed to a keyed hash of
the citizen's fiscal code, naming only the message for the app to open.

A push may be shown on a locked phone: never the subject, the sender, an amount or a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ReminderKind(StrEnum):
    UNREAD = "UNREAD"
    PAYMENT = "PAYMENT"
    DUE_TOMORROW = "DUE_TOMORROW"


DEFAULT_PUSH_LANGUAGE = "it"
# Title and body per language and kind; the app shows them as they are.
PUSH_TEXTS: dict[str, dict[ReminderKind, tuple[str, str]]] = {
    "it": {
        ReminderKind.UNREAD: ("Promemoria", "Hai un messaggio non letto"),
        ReminderKind.PAYMENT: ("Promemoria", "Hai un avviso da pagare"),
        ReminderKind.DUE_TOMORROW: ("Promemoria", "Un avviso scade domani"),
    },
    "en": {
        ReminderKind.UNREAD: ("Reminder", "You have an unread message"),
        ReminderKind.PAYMENT: ("Reminder", "You have a notice to pay"),
        ReminderKind.DUE_TOMORROW: ("Reminder", "A notice is due tomorrow"),
    },
    "de": {
        ReminderKind.UNREAD: ("Erinnerung", "Sie haben eine ungelesene Nachricht"),
        ReminderKind.PAYMENT: ("Erinnerung", "Sie haben eine Zahlungsaufforderung zu begleichen"),
        ReminderKind.DUE_TOMORROW: ("Erinnerung", "Eine Zahlung ist morgen fällig"),
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
    """One reminder push. `tag` addresses the citizen's installations (a keyed hash, never
    the fiscal code); `collapse_key` (the message id) lets a new reminder replace the last;
    `expires_at` drops a payment reminder nobody saw before the due date."""

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
