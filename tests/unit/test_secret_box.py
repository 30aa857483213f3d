"""Callback secrets sealed with AES-256-GCM: only the app's key opens them, and only for the
service they were sealed for."""

from __future__ import annotations

import base64

import pytest

from shared.adapters.secret_box import SecretBox
from shared.admin.command_settings import SecretNotGiven
from shared.config import InvalidSettingError, MissingSettingError, SettingName
from shared.domain.errors import SealedSecretError

KEY = base64.b64encode(b"k" * 32).decode()
OTHER_KEY = base64.b64encode(b"o" * 32).decode()
SECRET = b"Yk3v0Q4s-the-institutions-signing-secret"


def test_a_sealed_secret_opens_for_its_service_and_does_not_show_it():
    box = SecretBox.from_setting(KEY)
    sealed = box.seal(SECRET, service_id="svc-1")
    assert box.open(sealed, service_id="svc-1") == SECRET
    assert SECRET not in base64.b64decode(sealed)
    assert SECRET.decode() not in sealed


def test_the_same_secret_seals_differently_each_time():
    box = SecretBox.from_setting(KEY)
    assert box.seal(SECRET, service_id="svc-1") != box.seal(SECRET, service_id="svc-1")


def test_a_secret_moved_to_another_service_does_not_open():
    # GIVEN a secret sealed for svc-1, copied into svc-2's document
    box = SecretBox.from_setting(KEY)
    sealed = box.seal(SECRET, service_id="svc-1")
    # WHEN the app opens it for svc-2 THEN it refuses
    with pytest.raises(SealedSecretError, match="svc-2"):
        box.open(sealed, service_id="svc-2")


def test_another_key_does_not_open_it_and_says_which_setting():
    sealed = SecretBox.from_setting(KEY).seal(SECRET, service_id="svc-1")
    with pytest.raises(SealedSecretError, match="CALLBACK_SECRETS_KEY"):
        SecretBox.from_setting(OTHER_KEY).open(sealed, service_id="svc-1")


@pytest.mark.parametrize("position", [0, 1, 5, 20, -3])
def test_an_altered_sealed_text_does_not_open(position):
    box = SecretBox.from_setting(KEY)
    raw = bytearray(base64.b64decode(box.seal(SECRET, service_id="svc-1")))
    raw[position] ^= 0x01
    with pytest.raises(SealedSecretError):
        box.open(base64.b64encode(bytes(raw)).decode(), service_id="svc-1")


@pytest.mark.parametrize("sealed", ["", "not base64!", "AQ==", "é"])
def test_a_malformed_sealed_text_does_not_open(sealed):
    with pytest.raises(SealedSecretError):
        SecretBox.from_setting(KEY).open(sealed, service_id="svc-1")


@pytest.mark.parametrize(
    "text", ["", "c2hvcnQ=", "not base64 at all", base64.b64encode(b"k" * 33).decode()]
)
def test_a_key_that_is_not_32_bytes_of_base64_is_refused_naming_the_setting(text):
    with pytest.raises(InvalidSettingError, match="CALLBACK_SECRETS_KEY"):
        SecretBox.from_setting(text)


def test_the_clis_stand_in_for_a_key_not_asked_for_fails_naming_the_setting():
    stand_in = SecretNotGiven(SettingName.CALLBACK_SECRETS_KEY, "service callback retire")
    with pytest.raises(MissingSettingError, match="CALLBACK_SECRETS_KEY"):
        SecretBox.from_setting(stand_in)
