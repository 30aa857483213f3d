"""The progress bar: count, rate and ETA, drawn only where asked."""

from __future__ import annotations

import io

from postino_send.progress import ProgressBar, progress_line


def test_the_line_shows_count_rate_and_eta() -> None:
    line = progress_line(done=30, total=120, elapsed=10.0)

    assert "30/120" in line
    assert " 25%" in line
    assert "3.0 rows/s" in line
    assert "ETA 0:30" in line


def test_no_rate_yet_means_no_eta() -> None:
    assert progress_line(0, 10, 0.0).endswith("ETA ?")


def test_draws_in_place_at_most_every_interval_and_only_when_enabled() -> None:
    now = [0.0]
    out = io.StringIO()
    bar = ProgressBar(10, out, enabled=True, clock=lambda: now[0], interval=1.0)

    bar.update(1)
    now[0] = 0.5
    bar.update(2)  # too soon: not drawn
    now[0] = 1.5
    bar.update(3)
    bar.close(10)

    assert out.getvalue().count("\r") == 3
    assert out.getvalue().endswith("\n")
    silent = io.StringIO()
    ProgressBar(10, silent, enabled=False).update(5)
    assert silent.getvalue() == ""


def test_a_shorter_line_clears_what_the_longer_one_left() -> None:
    # GIVEN a bar drawn at 10.0 rows/s
    now = [10.0]
    out = io.StringIO()
    bar = ProgressBar(1000, out, enabled=True, clock=lambda: now[0], interval=0.0)
    now[0] = 20.0
    bar.update(100)
    long_line = out.getvalue().rsplit("\r", 1)[1]

    # WHEN it is redrawn at 9.5 rows/s: a line one character shorter
    now[0] = 21.0
    bar.update(105)
    short_line = out.getvalue().rsplit("\r", 1)[1]

    # THEN the new drawing covers every column of the old one, the excess with spaces
    drawn = short_line.rstrip(" ")
    assert len(drawn) < len(long_line)
    assert drawn.endswith("ETA 1:34")
    assert short_line == drawn + " " * (len(long_line) - len(drawn))
