"""The SecretSealer / SecretOpener contract, for the fake and for the AES-GCM box: a sealed
secret opens with the same key for the same service, and for nothing else."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from shared.adapters.secret_box import SecretBox
from shared.domain.errors import SealedSecretError
from tests.fakes import FakeSecretBox

SECRET = b"the-institutions-signing-secret"


@pytest.fixture
def make_box(implementation) -> Callable[[str], Any]:
    """A box for a key named by a word (the same word, the same key)."""
    if implementation == "fake":
        return FakeSecretBox
    return lambda word: SecretBox.from_setting(
        base64.b64encode(word.encode().ljust(32, b".")).decode()
    )


def test_a_sealed_secret_opens_with_the_same_key_for_its_service(make_box):
    sealed = make_box("one").seal(SECRET, service_id="svc-1")
    assert make_box("one").open(sealed, service_id="svc-1") == SECRET


def test_sealing_twice_gives_two_texts(make_box):
    box = make_box("one")
    assert box.seal(SECRET, service_id="svc-1") != box.seal(SECRET, service_id="svc-1")


def test_it_does_not_open_for_another_service(make_box):
    box = make_box("one")
    with pytest.raises(SealedSecretError):
        box.open(box.seal(SECRET, service_id="svc-1"), service_id="svc-2")


def test_it_does_not_open_with_another_key(make_box):
    sealed = make_box("one").seal(SECRET, service_id="svc-1")
    with pytest.raises(SealedSecretError):
        make_box("two").open(sealed, service_id="svc-1")


def test_an_altered_text_does_not_open(make_box):
    box = make_box("one")
    sealed = box.seal(SECRET, service_id="svc-1")
    middle = len(sealed) // 2
    altered = sealed[:middle] + ("A" if sealed[middle] != "A" else "B") + sealed[middle + 1 :]
    with pytest.raises(SealedSecretError):
        box.open(altered, service_id="svc-1")
