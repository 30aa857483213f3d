"""Over HTTP: a citizen who does not share reading hides from the sender when their app
fetched a message (`received_at`), not only when they read it."""

from __future__ import annotations

import requests

from tests.builders import message_body, random_fiscal_code
from tests.e2e.conftest import citizen_call
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
    # The citizen's app fetches it, which marks it received (while the new-message push
    # may still be writing it: the citizen API wins such races, a bare write would not).
    fetched = requests.get(
        host.url(f"/api/v1/citizen/messages/{message_id}"),
        headers=citizen_call(fiscal_code),
        timeout=10,
    )
    assert fetched.status_code == 200, fetched.text
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
