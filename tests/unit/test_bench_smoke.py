"""The CPU benchmark keeps working: its no-op app accepts its request."""

from __future__ import annotations

import pytest

from bench import create_message_cpu
from shared import bootstrap


def test_the_create_message_benchmark_measures_accepted_requests(monkeypatch: pytest.MonkeyPatch):
    app = create_message_cpu._app()
    monkeypatch.setattr(bootstrap, "app", lambda: app)
    samples = create_message_cpu.measure(20, idempotency=True)
    assert len(samples) == 20
    assert all(sample > 0 for sample in samples)
