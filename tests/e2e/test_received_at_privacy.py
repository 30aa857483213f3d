"""Over HTTP: a citizen who does not share reading hides from the sender when their app
fetched a message (`received_at`), not only when they read it."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.bootstrap import build_app
from tests.builders import message_body, random_fiscal_code
from tests.e2e.senders_and_payments import (
    premium_service,
    register_citizen,
    send,
    settled,
    status,
)


def _delivered_and_fetched(host, local_stack, **profile):
    _, key = premium_service(local_stack.settings, "01234567890")
    fiscal_code = random_fiscal_code()
    register_citizen(local_stack.settings, fiscal_code, **profile)
    message_id = send(host, key, fiscal_code, message_body(feature_level_type="ADVANCED"))
    assert settled(host, key, fiscal_code, message_id)["status"] == "PROCESSED"
    # The citizen's app fetches it (the citizen API marks it received so).
    messages = build_app(local_stack.settings).messages
    message = messages.get(fiscal_code, message_id)
    assert message is not None
    messages.replace(message.received(datetime.now(UTC)))
    return status(host, key, fiscal_code, message_id)


def test_a_citizen_who_denies_read_sharing_hides_when_their_app_fetched_it(
    offline_host, local_stack
):
    body = _delivered_and_fetched(offline_host, local_stack, share_read_status=False)
    assert body["read_status"] == "UNAVAILABLE"
    assert (body["received_at"], body["read_at"]) == (None, None)
    assert body["processed_at"] is not None


def test_a_citizen_who_shares_reading_shows_when_their_app_fetched_it(offline_host, local_stack):
    body = _delivered_and_fetched(offline_host, local_stack)
    assert body["read_status"] == "UNREAD"
    assert body["received_at"] is not None
