"""The accept floor's processes share its messages and threads evenly."""

from __future__ import annotations

from bench.floor_processes import shares


def test_the_shares_add_up_and_differ_by_one_at_most():
    assert shares(11, 2) == [6, 5]
    assert shares(16, 3) == [6, 5, 5]
    assert shares(1, 2) == [1, 0]
