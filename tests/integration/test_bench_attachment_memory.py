"""The attachment memory benchmark, run small on the session's emulators, reports every
figure the full run reports, and the whole request it measures is answered 201."""

from __future__ import annotations

import os

import pytest

from bench.attachment_memory import TARGET_PEAK_MIB, measure
from bench.pipeline_stack import BenchStack
from shared import bootstrap

pytestmark = [pytest.mark.emulators, pytest.mark.bench]

MIB = 1024 * 1024


def test_a_small_run_reports_the_peaks_and_the_times(local_stack, monkeypatch):
    # GIVEN the session's emulators, and the app and environment restored afterwards
    monkeypatch.setattr(os, "environ", dict(os.environ))
    app = bootstrap.build_app(local_stack.settings)
    monkeypatch.setattr(bootstrap, "app", lambda: app)
    stack = BenchStack(settings=local_stack.settings, app_settings=local_stack.app_settings)
    # WHEN two 1 MiB attachments are measured
    result = measure(stack, repeat=1, attachment_bytes=MIB)
    # THEN the store stayed within its target, and the whole request was measured
    assert 0 < result["store"]["peak_mib"] < TARGET_PEAK_MIB
    assert result["naive"]["peak_mib"] > 0
    # AND the request never held the attachments' texts a second time, besides the body
    assert 0 < result["request"]["peak_mib"] < result["request_body_mib"] / 2
    assert result["request_body_bytes"] > 2 * MIB
    for name in ("store_put", "naive", "bare_sdk_upload"):
        assert result["timing"][f"{name}_median_ms"] > 0
