"""The send's body limit is the caller's: 256 KiB for a Basic service, known before the
body is read, so a big junk body is a quick 413, never parsed into a 400."""

from __future__ import annotations

import time

import pytest
import requests

from shared.domain.message_rules import MAX_ENVELOPE_BYTES
from shared.domain.service import Tier
from tests.builders import FISCAL_CODE
from tests.e2e.conftest import INSTITUTION_KEY_HEADER, expect_problem, register_service

JUNK_1_MB = b"[" + b"0," * (512 * 1024 - 1) + b"0]"


@pytest.mark.parametrize("tier", [Tier.BASIC, Tier.PREMIUM])
def test_a_1_mb_junk_body_is_413_quickly(offline_host, local_stack, tier):
    # GIVEN a service of this tier
    key = register_service(local_stack.settings, tier=tier)
    started = time.monotonic()
    # WHEN it sends a 1 MB array of zeros
    response = requests.post(
        offline_host.url(f"/api/v1/messages/{FISCAL_CODE}"),
        data=JUNK_1_MB,
        headers={INSTITUTION_KEY_HEADER: key, "Content-Type": "application/json"},
        timeout=30,
    )
    # THEN it is too large (a Basic body may not carry attachments), at once
    problem = expect_problem(response, 413)
    assert f"{MAX_ENVELOPE_BYTES} bytes" in problem["detail"]
    assert time.monotonic() - started < 2


def test_a_basic_service_is_told_attachments_need_premium(offline_host, local_stack):
    key = register_service(local_stack.settings)
    response = requests.post(
        offline_host.url(f"/api/v1/messages/{FISCAL_CODE}"),
        data=b'{"content": {"subject": "' + b"x" * (300 * 1024) + b'"}}',
        headers={INSTITUTION_KEY_HEADER: key, "Content-Type": "application/json"},
        timeout=30,
    )
    assert "Premium" in expect_problem(response, 413)["detail"]
