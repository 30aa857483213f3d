"""The hub connection string, the SAS token, the push settings and the choice of adapter;
a new-message push through the adapters."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import unquote

import pytest
import requests

from shared.adapters.notification_hubs import (
    HubConnection,
    NotificationHubPushSender,
    parse_hub_connection,
    sas_token,
)
from shared.adapters.push_payload import template_properties
from shared.adapters.push_queue import QueuePushSender, push_from_json, push_to_json
from shared.adapters.push_selection import select_push_sender
from shared.config import InvalidSettingError, MissingSettingError, Settings
from shared.domain.profile import PushContent
from shared.domain.push import ReminderKind, new_message_push, reminder_push
from tests.fakes import FakeClock

SECRET = "c2VjcmV0LWtleS13aXRoLXBhZGRpbmc="
CONNECTION = (
    "Endpoint=sb://postino-ns.servicebus.windows.net/;"
    f"SharedAccessKeyName=DefaultFullSharedAccessSignature;SharedAccessKey={SECRET}"
)
PUSH = reminder_push(
    tag="citizen_0123456789abcdef0123456789abcdef",
    kind=ReminderKind.UNREAD,
    preferred_languages=(),
    message_id="01JCZ0000000000000000000U1",
    expires_at=None,
)
NEW_MESSAGE_PUSH = new_message_push(
    tag="citizen_0123456789abcdef0123456789abcdef",
    preferred_languages=("de_DE",),
    content=PushContent.FULL,
    service_name="Bürgerbüro Bozen",
    subject="Ihr neuer Personalausweis ist fertig",
    message_id="01JCZ0000000000000000000N1",
)
ENV = {
    "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    "COSMOS_ENDPOINT": "https://cosmos.example:443/",
    "COSMOS_KEY": "a2V5",
    "MESSAGES_QUEUE": "messages-created",
    "CITIZEN_HASH_KEY": "a-citizen-hash-key",
    "CALLBACK_SECRETS_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
}


# the connection string


def test_a_hub_connection_string_gives_the_https_endpoint_the_key_name_and_the_key():
    connection = parse_hub_connection(CONNECTION)
    assert connection == HubConnection(
        endpoint="https://postino-ns.servicebus.windows.net/",
        key_name="DefaultFullSharedAccessSignature",
        key=SECRET,
    )


def test_parts_may_come_in_any_order_with_a_trailing_semicolon():
    reordered = (
        f"SharedAccessKey={SECRET};SharedAccessKeyName=Send;"
        "Endpoint=sb://postino-ns.servicebus.windows.net/;"
    )
    connection = parse_hub_connection(reordered)
    assert (connection.endpoint, connection.key_name, connection.key) == (
        "https://postino-ns.servicebus.windows.net/",
        "Send",
        SECRET,
    )


@pytest.mark.parametrize(
    ("connection_string", "complaint"),
    [
        (
            f"Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Send;{SECRET[:-1]}",
            "pairs",
        ),
        (f"Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKey={SECRET}", "KeyName"),
        ("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Send", "SharedAccessKey"),
        (f"SharedAccessKeyName=Send;SharedAccessKey={SECRET}", "Endpoint"),
        (f"Endpoint=http://ns.example/;SharedAccessKeyName=Send;SharedAccessKey={SECRET}", "sb://"),
        (f"Endpoint=sb://;SharedAccessKeyName=Send;SharedAccessKey={SECRET}", "sb://"),
    ],
)
def test_a_bad_connection_string_is_named_without_echoing_the_key(connection_string, complaint):
    with pytest.raises(InvalidSettingError) as raised:
        parse_hub_connection(connection_string)
    message = str(raised.value)
    assert "NOTIFICATION_HUB_CONNECTION" in message
    assert complaint in message
    assert SECRET not in message
    assert SECRET[:12] not in message


def test_the_key_stays_out_of_reprs():
    assert SECRET not in repr(parse_hub_connection(CONNECTION))
    settings = Settings.from_env(
        {**ENV, "NOTIFICATION_HUB_CONNECTION": CONNECTION, "NOTIFICATION_HUB_NAME": "hub"}
    )
    assert SECRET not in repr(settings)
    assert "a-citizen-hash-key" not in repr(settings)


# the SAS token


def test_the_sas_token_signs_the_lower_cased_encoded_uri_and_expiry_with_the_key():
    # GIVEN a known key, resource and expiry
    resource = "https://Postino-NS.servicebus.windows.net/Reminders"
    expiry = 1_800_000_000
    # WHEN a token is made
    token = sas_token(resource, "Send", "my-key", expiry)
    # THEN it carries the encoded resource, the expiry and the key's name
    scheme, _, query = token.partition(" ")
    fields = dict(part.split("=", 1) for part in query.split("&"))
    encoded = "https%3a%2f%2fpostino-ns.servicebus.windows.net%2freminders"
    assert scheme == "SharedAccessSignature"
    assert (fields["sr"], fields["se"], fields["skn"]) == (encoded, "1800000000", "Send")
    # AND its signature is HMAC-SHA256 of "<encoded uri>\n<expiry>" under the key, base64
    expected = hmac.new(b"my-key", f"{encoded}\n1800000000".encode(), hashlib.sha256).digest()
    assert base64.b64decode(unquote(fields["sig"])) == expected


class RecordingSession(requests.Session):
    """Keeps each request's URL and headers and answers 201, as the hub does."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, dict[str, str]]] = []

    def post(self, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        self.calls.append((str(url), dict(kwargs["headers"])))
        response = requests.Response()
        response.status_code = 201
        return response


def test_the_sender_posts_to_the_hub_signed_for_a_few_minutes_ahead():
    clock = FakeClock()
    session = RecordingSession()
    sender = NotificationHubPushSender(
        parse_hub_connection(CONNECTION), "reminders", clock=clock, session=session
    )
    sender.send(PUSH)
    ((url, headers),) = session.calls
    assert (
        url == "https://postino-ns.servicebus.windows.net/reminders/messages/?api-version=2015-01"
    )
    token = headers["Authorization"]
    fields = dict(part.split("=", 1) for part in token.partition(" ")[2].split("&"))
    assert unquote(fields["sr"]) == "https://postino-ns.servicebus.windows.net/reminders"
    ahead = int(fields["se"]) - int(clock.now().timestamp())
    assert 60 <= ahead <= 3600


# new-message pushes through the adapters


def test_a_new_message_push_travels_as_template_properties_like_a_reminder():
    assert template_properties(NEW_MESSAGE_PUSH) == {
        "kind": "NEW_MESSAGE",
        "language": "de",
        "title": "Bürgerbüro Bozen",
        "body": "Ihr neuer Personalausweis ist fertig",
        "message_id": "01JCZ0000000000000000000N1",
        "collapse_key": "01JCZ0000000000000000000N1",
        "expires_at": "",
    }


def test_a_new_message_push_reads_back_from_the_push_queue_as_it_was_sent():
    assert push_from_json(push_to_json(NEW_MESSAGE_PUSH)) == NEW_MESSAGE_PUSH


def test_the_hub_sender_sends_a_new_message_push_to_its_tag():
    session = RecordingSession()
    sender = NotificationHubPushSender(
        parse_hub_connection(CONNECTION), "reminders", clock=FakeClock(), session=session
    )
    sender.send(NEW_MESSAGE_PUSH)
    ((_, headers),) = session.calls
    assert headers["ServiceBusNotification-Tags"] == NEW_MESSAGE_PUSH.tag


# settings and the choice of adapter


def test_the_citizen_hash_key_is_required():
    env = {name: value for name, value in ENV.items() if name != "CITIZEN_HASH_KEY"}
    with pytest.raises(MissingSettingError, match="CITIZEN_HASH_KEY"):
        Settings.from_env(env)


def test_the_push_queue_defaults_to_push_notifications_and_no_hub():
    settings = Settings.from_env(ENV)
    assert settings.push_queue == "push-notifications"
    assert (settings.notification_hub_connection, settings.notification_hub_name) == ("", None)


@pytest.mark.parametrize("given", ["NOTIFICATION_HUB_CONNECTION", "NOTIFICATION_HUB_NAME"])
def test_half_a_hub_configuration_fails_naming_both_settings(given):
    value = CONNECTION if given == "NOTIFICATION_HUB_CONNECTION" else "reminders"
    with pytest.raises(InvalidSettingError) as raised:
        Settings.from_env({**ENV, given: value})
    assert "NOTIFICATION_HUB_CONNECTION" in str(raised.value)
    assert "NOTIFICATION_HUB_NAME" in str(raised.value)
    assert SECRET not in str(raised.value)


def test_pushes_go_to_the_queue_without_a_hub_and_to_the_hub_with_one():
    clock = FakeClock()
    assert isinstance(select_push_sender(Settings.from_env(ENV), clock=clock), QueuePushSender)
    with_hub = Settings.from_env(
        {**ENV, "NOTIFICATION_HUB_CONNECTION": CONNECTION, "NOTIFICATION_HUB_NAME": "reminders"}
    )
    assert isinstance(select_push_sender(with_hub, clock=clock), NotificationHubPushSender)


def test_an_unreadable_hub_connection_fails_when_the_adapter_is_chosen():
    settings = Settings.from_env(
        {**ENV, "NOTIFICATION_HUB_CONNECTION": "nonsense", "NOTIFICATION_HUB_NAME": "reminders"}
    )
    with pytest.raises(InvalidSettingError, match="NOTIFICATION_HUB_CONNECTION"):
        select_push_sender(settings, clock=FakeClock())
