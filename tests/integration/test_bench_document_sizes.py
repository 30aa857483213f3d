"""The document-size benchmark, run small on the session's emulators, measures every kind
of document docs/scaling.md turns into request units."""

from __future__ import annotations

import pytest

from bench.document_sizes import MARKDOWN_SIZES, measure, render_table
from bench.pipeline_stack import BenchStack

pytestmark = [pytest.mark.emulators, pytest.mark.bench]


def test_a_small_run_measures_every_document_and_the_bucket_entries(local_stack):
    # GIVEN the session's emulators
    stack = BenchStack(settings=local_stack.settings, app_settings=local_stack.app_settings)
    # WHEN the sizes are measured with a small bucket
    result = measure(stack, entries=5)
    # THEN every document has a size, system properties included
    for name in (
        "service",
        "api_key",
        "profile",
        "idempotency_record",
        "rate_counter",
        "reminder_claim",
        "payment",
    ):
        sizes = result[name]
        assert 0 < sizes["bytes_without_system_properties"] < sizes["bytes"]
    # AND a message grows with its markdown, and again when it is decided
    by_length = result["basic_message_by_markdown_chars"]
    accepted = [by_length[str(length)]["accepted"]["bytes"] for length in MARKDOWN_SIZES]
    assert accepted == sorted(accepted)
    for sizes in by_length.values():
        assert sizes["decided"]["bytes"] > sizes["accepted"]["bytes"]
    premium = result["premium_message_2_attachments"]["accepted"]["bytes"]
    assert premium > result["payment_message"]["accepted"]["bytes"]
    # AND a schedule entry has a size, so a 2 MB bucket's capacity follows
    bucket = result["reminder_bucket"]
    assert bucket["entries"] == 5
    assert bucket["bytes_per_entry"] > 0
    assert bucket["entries_per_2_mb_document"] > 1000
    assert result["queue_message"]["base64_bytes"] > result["queue_message"]["json_bytes"]
    assert "per 2 MB document" in render_table(result)
