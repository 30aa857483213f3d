"""The invocation's time budget for remote calls."""

from __future__ import annotations

from shared.deadline import remaining, time_budget


def test_outside_a_budget_there_is_no_deadline():
    assert remaining() is None


def test_a_budget_counts_down_and_ends_with_its_block():
    with time_budget(2.0):
        left = remaining()
        assert left is not None
        assert 1.5 < left <= 2.0
    assert remaining() is None


def test_a_nested_budget_never_extends_the_outer_deadline():
    with time_budget(1.0):
        with time_budget(60.0):
            left = remaining()
            assert left is not None
            assert left <= 1.0
        with time_budget(0.5):
            left = remaining()
            assert left is not None
            assert left <= 0.5
