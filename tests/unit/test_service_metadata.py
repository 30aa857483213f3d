"""A service's name and IO-style metadata: what an operator may set, and old documents."""

from __future__ import annotations

import pytest

from shared.domain.errors import ValidationError
from shared.domain.service import Service
from shared.domain.service_change import parse_service_change
from shared.domain.service_metadata import (
    MAX_TOPIC_LENGTH,
    ServiceScope,
    contact_email_errors,
    privacy_url_errors,
    topic_errors,
)
from tests.builders import a_service


def _pointers(**fields: str) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        parse_service_change(**fields)  # type: ignore[arg-type]
    return [error.pointer for error in caught.value.errors]


def test_a_document_stored_before_metadata_existed_loads_enabled_and_without_metadata():
    # GIVEN a service document as stored before these fields existed
    document = a_service().model_dump(mode="json")
    for field in ("contact_email", "privacy_url", "topic", "scope", "disabled_at"):
        del document[field]
    # WHEN it is loaded
    service = Service.model_validate(document)
    # THEN it has no metadata and is not disabled
    assert (service.contact_email, service.privacy_url, service.topic, service.scope) == (
        None,
        None,
        None,
        None,
    )
    assert not service.is_disabled


def test_a_rename_and_metadata_are_applied_and_the_rest_is_kept():
    service = a_service(tier="PREMIUM")
    change = parse_service_change(
        name="  Tributi locali ",
        contact_email="tributi@comune.example.it",
        privacy_url="https://www.comune.example.it/privacy",
        topic="Tasse e tributi",
        scope="local",
    )
    changed = change.applied_to(service)
    assert changed.name == "Tributi locali"
    assert changed.contact_email == "tributi@comune.example.it"
    assert changed.privacy_url == "https://www.comune.example.it/privacy"
    assert changed.topic == "Tasse e tributi"
    assert changed.scope is ServiceScope.LOCAL
    assert (changed.id, changed.tier) == (service.id, service.tier)


@pytest.mark.parametrize(
    "email",
    ["tributi", "tributi@", "@comune.example.it", "a b@comune.it", "tributi@localhost", "a@b@c.it"],
)
def test_a_contact_email_must_be_an_address_with_a_domain(email):
    assert [error.pointer for error in contact_email_errors(email)] == ["/contact_email"]


def test_a_plain_contact_email_is_accepted():
    assert contact_email_errors("ufficio.tributi+io@comune.example.it") == []


@pytest.mark.parametrize(
    "url",
    [
        "http://www.comune.example.it/privacy",
        "https://",
        "https://user:pw@comune.example.it/privacy",
        "https://www.comune.example.it/pri vacy",
        "javascript:alert(1)",
        "https://[::1",
        "https://comune.example.it/" + "a" * 2048,
    ],
)
def test_a_privacy_url_must_be_https_to_a_host_without_credentials(url):
    assert [error.pointer for error in privacy_url_errors(url)] == ["/privacy_url"]


@pytest.mark.parametrize("topic", ["", "   ", "x" * (MAX_TOPIC_LENGTH + 1), "tasse\u200b", "a\nb"])
def test_a_topic_is_short_printable_free_text(topic):
    assert [error.pointer for error in topic_errors(topic)] == ["/topic"]


def test_every_bad_metadata_value_and_a_blank_name_are_named_at_once():
    assert _pointers(
        name="  ",
        contact_email="nope",
        privacy_url="http://x.it",
        topic="",
        scope="REGIONAL",
    ) == ["/name", "/contact_email", "/privacy_url", "/topic", "/scope"]
