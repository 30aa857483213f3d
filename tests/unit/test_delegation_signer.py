"""Download links signed with a user delegation key: one key for many links, renewed before it
runs out, never outlived by a link. The key comes from a fake source on a controllable clock:
Entra ID cannot be reached here."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.storage.blob import UserDelegationKey

from shared.adapters.blob_attachments import (
    DELEGATION_KEY_LIFETIME,
    DELEGATION_KEY_RENEW_BEFORE,
    UserDelegationSigner,
)
from shared.config import MAX_ATTACHMENT_LINK_SECONDS
from shared.domain.errors import StorageUnavailableError
from tests.fakes import FakeClock

START = datetime(2026, 11, 2, 9, 30, 0, 250_000, tzinfo=UTC)
LONGEST_LINK = timedelta(seconds=MAX_ATTACHMENT_LINK_SECONDS)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeKeySource:
    """Hands out a new key for each request, as the Blob service does, and remembers them."""

    def __init__(self) -> None:
        self.requests: list[tuple[datetime, datetime]] = []
        self.failing = False

    def get_user_delegation_key(
        self, key_start_time: datetime, key_expiry_time: datetime
    ) -> UserDelegationKey:
        if self.failing:
            raise ClientAuthenticationError("no token")
        self.requests.append((key_start_time, key_expiry_time))
        key = UserDelegationKey()
        key.signed_oid = "11111111-1111-1111-1111-111111111111"
        key.signed_tid = "22222222-2222-2222-2222-222222222222"
        key.signed_start = _iso(key_start_time)
        key.signed_expiry = _iso(key_expiry_time)
        key.signed_service = "b"
        key.signed_version = "2025-01-05"
        key.value = base64.b64encode(f"key-{len(self.requests)}".encode()).decode()
        return key


def _signer(keys: FakeKeySource, clock: FakeClock) -> UserDelegationSigner:
    return UserDelegationSigner(keys, account_name="postino", clock=clock)


def _sas(signer: UserDelegationSigner, expires_at: datetime) -> dict[str, str]:
    query = signer.read_sas("attachments", "01JMSG/0.pdf", expires_at)
    return {name: values[0] for name, values in parse_qs(query).items()}


def _at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def test_a_link_is_read_only_for_one_blob_and_signed_with_a_fresh_key():
    # GIVEN no key yet
    keys, clock = FakeKeySource(), FakeClock(START)
    # WHEN a 15-minute link is signed
    sas = _sas(_signer(keys, clock), START + LONGEST_LINK)
    # THEN one key was asked for, valid from a little before now for an hour
    [(starts_at, expires_at)] = keys.requests
    assert starts_at < START
    assert expires_at == (START + DELEGATION_KEY_LIFETIME).replace(microsecond=0)
    # AND the link reads this one blob only, until its own expiry, under that key
    assert (sas["sp"], sas["sr"]) == ("r", "b")
    assert _at(sas["se"]) == (START + LONGEST_LINK).replace(microsecond=0)
    assert _at(sas["ske"]) == expires_at
    assert sas["skoid"] == "11111111-1111-1111-1111-111111111111"


def test_links_share_the_key_while_it_has_more_than_the_renewal_margin_left():
    keys, clock = FakeKeySource(), FakeClock(START)
    signer = _signer(keys, clock)
    _sas(signer, clock.now() + LONGEST_LINK)
    # WHEN links are signed until just before the renewal margin is reached
    clock.advance(seconds=(DELEGATION_KEY_LIFETIME - DELEGATION_KEY_RENEW_BEFORE).seconds - 1)
    _sas(signer, clock.now() + LONGEST_LINK)
    # THEN the first key served them all
    assert len(keys.requests) == 1


def test_the_key_is_renewed_once_less_than_the_margin_is_left():
    keys, clock = FakeKeySource(), FakeClock(START)
    signer = _signer(keys, clock)
    first = _sas(signer, clock.now() + LONGEST_LINK)
    # WHEN the key has less than 20 minutes left
    clock.advance(seconds=(DELEGATION_KEY_LIFETIME - DELEGATION_KEY_RENEW_BEFORE).seconds + 1)
    second = _sas(signer, clock.now() + LONGEST_LINK)
    # THEN a new key, valid an hour from now, signs the next link
    assert len(keys.requests) == 2
    assert _at(second["ske"]) == (clock.now() + DELEGATION_KEY_LIFETIME).replace(microsecond=0)
    assert second["sig"] != first["sig"]


def test_over_hours_of_traffic_no_link_outlives_its_key_and_keys_are_few():
    keys, clock = FakeKeySource(), FakeClock(START)
    signer = _signer(keys, clock)
    # WHEN a longest link is signed every minute for two hours
    for _ in range(120):
        sas = _sas(signer, clock.now() + LONGEST_LINK)
        # THEN each link expires no later than the key that signed it
        assert _at(sas["se"]) <= _at(sas["ske"])
        clock.advance(minutes=1)
    # AND a key served about 40 minutes of links: at 0, 41 and 82 minutes
    assert len(keys.requests) == 3


def test_a_link_longer_than_the_key_lifetime_is_refused():
    keys, clock = FakeKeySource(), FakeClock(START)
    with pytest.raises(ValueError, match="outlive"):
        _sas(_signer(keys, clock), START + DELEGATION_KEY_LIFETIME + timedelta(minutes=1))


def test_a_link_that_would_outlive_the_held_key_gets_a_new_key():
    keys, clock = FakeKeySource(), FakeClock(START)
    signer = _signer(keys, clock)
    _sas(signer, START + LONGEST_LINK)
    # WHEN, with 30 minutes of the key left (not yet due for renewal), a link is asked for
    # that ends 35 minutes from now
    clock.advance(minutes=30)
    sas = _sas(signer, clock.now() + timedelta(minutes=35))
    # THEN a new key signs it, and it ends before that key does
    assert len(keys.requests) == 2
    assert _at(sas["se"]) <= _at(sas["ske"])


def test_no_key_is_a_storage_outage_and_the_next_link_asks_again():
    keys, clock = FakeKeySource(), FakeClock(START)
    signer = _signer(keys, clock)
    keys.failing = True
    with pytest.raises(StorageUnavailableError):
        _sas(signer, START + LONGEST_LINK)
    keys.failing = False
    _sas(signer, START + LONGEST_LINK)
    assert len(keys.requests) == 1


def test_the_renewal_margin_must_be_shorter_than_the_key_lifetime():
    with pytest.raises(ValueError, match="renewed"):
        UserDelegationSigner(
            FakeKeySource(),
            account_name="postino",
            clock=FakeClock(START),
            key_lifetime=timedelta(minutes=10),
            renew_before=timedelta(minutes=10),
        )


def test_a_named_link_carries_its_disposition_in_the_signed_query():
    # GIVEN a signer
    signer = _signer(FakeKeySource(), FakeClock(START))
    disposition = "attachment; filename=\"a.pdf\"; filename*=UTF-8''a.pdf"
    # WHEN a link is signed with a Content-Disposition
    query = signer.read_sas("attachments", "01JMSG/0.pdf", START + LONGEST_LINK, disposition)
    # THEN the SAS carries it (`rscd`), so the blob service answers with it
    assert parse_qs(query)["rscd"] == [disposition]
