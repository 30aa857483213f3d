"""The push telling a citizen a message reached their inbox: a fixed text in their language
(ANONYMOUS) or the service's name and the subject (FULL), cleaned and cut to a push's length."""

from __future__ import annotations

import pytest

from shared.domain.profile import PushContent
from shared.domain.push import (
    ELLIPSIS,
    MAX_BODY_LENGTH,
    MAX_TITLE_LENGTH,
    PUSH_TEXTS,
    Push,
    ReminderKind,
    new_message_push,
    push_text,
)

TAG = "citizen_0123456789abcdef0123456789abcdef"
MESSAGE_ID = "01JCZ0000000000000000000N1"
SERVICE_NAME = "Ufficio Tributi"
SUBJECT = "La tua carta d'identità è pronta"


def _push(
    content: PushContent,
    *,
    languages: tuple[str, ...] = ("it_IT",),
    service_name: str = SERVICE_NAME,
    subject: str = SUBJECT,
) -> Push:
    return new_message_push(
        tag=TAG,
        preferred_languages=languages,
        content=content,
        service_name=service_name,
        subject=subject,
        message_id=MESSAGE_ID,
    )


@pytest.mark.parametrize(
    ("languages", "language", "title", "body"),
    [
        (("it_IT",), "it", "Nuovo messaggio", "Hai un nuovo messaggio"),
        (("en_GB",), "en", "New message", "You have a new message"),
        (("de_DE", "it_IT"), "de", "Neue Nachricht", "Sie haben eine neue Nachricht"),
        (("fr_FR", "en_GB"), "en", "New message", "You have a new message"),
        (("fr_FR",), "it", "Nuovo messaggio", "Hai un nuovo messaggio"),
        ((), "it", "Nuovo messaggio", "Hai un nuovo messaggio"),
    ],
)
def test_an_anonymous_push_is_a_fixed_text_in_the_citizens_first_known_language(
    languages, language, title, body
):
    push = _push(PushContent.ANONYMOUS, languages=languages)
    assert (push.language, push.title, push.body) == (language, title, body)


def test_an_anonymous_push_shows_neither_the_service_nor_the_subject():
    push = _push(PushContent.ANONYMOUS)
    shown = f"{push.title} {push.body}"
    assert SERVICE_NAME not in shown
    assert "carta" not in shown


def test_every_language_has_a_text_for_every_kind_of_push():
    for language, texts in PUSH_TEXTS.items():
        assert set(texts) == set(ReminderKind), language
        assert all(title and body for title, body in texts.values()), language


@pytest.mark.parametrize("languages", [("it_IT",), ("en_GB",), ("de_DE",)])
def test_a_full_push_shows_the_service_as_title_and_the_subject_as_body(languages):
    push = _push(PushContent.FULL, languages=languages)
    assert (push.title, push.body) == (SERVICE_NAME, SUBJECT)
    # The language still tells the app's template which locale it is in.
    assert push.language == languages[0][:2]


@pytest.mark.parametrize("content", list(PushContent))
def test_a_new_message_push_names_the_message_collapses_on_it_and_never_expires(content):
    push = _push(content)
    assert push.kind is ReminderKind.NEW_MESSAGE
    assert (push.tag, push.message_id, push.collapse_key) == (TAG, MESSAGE_ID, MESSAGE_ID)
    assert push.expires_at is None


def test_a_long_subject_is_cut_at_a_word_with_an_ellipsis():
    # GIVEN a subject longer than a push's body
    subject = "Avviso di pagamento della tassa sui rifiuti " * 4
    # WHEN it becomes a FULL push
    body = _push(PushContent.FULL, subject=subject).body
    # THEN it fits, ends with an ellipsis right after a whole word of the subject
    assert len(body) <= MAX_BODY_LENGTH
    assert body.endswith(ELLIPSIS)
    kept = body.removesuffix(ELLIPSIS)
    assert subject.startswith(kept)
    assert subject[len(kept)] == " "


def test_a_long_service_name_is_cut_to_a_title():
    name = "Dipartimento per la trasformazione digitale della Presidenza del Consiglio"
    title = _push(PushContent.FULL, service_name=name).title
    assert len(title) <= MAX_TITLE_LENGTH
    assert title == "Dipartimento per la trasformazione digitale della" + ELLIPSIS


def test_a_word_longer_than_half_the_limit_is_cut_inside_it():
    text = "Avviso " + "x" * 200
    assert push_text(text, 20) == "Avviso " + "x" * 12 + ELLIPSIS


def test_a_text_cut_just_before_a_space_keeps_its_last_word():
    # 19 characters, then a space: the first 19 are whole words.
    assert push_text("Tassa sui rifiuti 2 del comune", 20) == "Tassa sui rifiuti 2" + ELLIPSIS


def test_a_text_of_exactly_the_limit_is_not_cut():
    assert push_text("x" * MAX_BODY_LENGTH, MAX_BODY_LENGTH) == "x" * MAX_BODY_LENGTH


def test_control_and_format_characters_are_removed_and_white_space_made_single():
    # GIVEN a name and a subject holding a tab, line breaks, a zero-width space, a
    # bidirectional override, a NUL and a bell
    name = "Ufficio\u200b Tributi\u202e\x00"
    subject = "  La tua\tcarta\r\nd'identità\x07 è   pronta  "
    # WHEN they become a FULL push
    push = _push(PushContent.FULL, service_name=name, subject=subject)
    # THEN only printable text is left, one space between words
    assert (push.title, push.body) == ("Ufficio Tributi", "La tua carta d'identità è pronta")


def test_decomposed_accents_are_composed_so_they_count_as_one_character():
    assert push_text("identita\u0300", 9) == "identità"


def test_a_text_with_nothing_printable_falls_back_to_the_fixed_text():
    push = _push(PushContent.FULL, languages=("en_GB",), service_name="\u200b\x00", subject=" ")
    assert (push.title, push.body) == ("New message", "You have a new message")
