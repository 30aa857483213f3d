"""Reading py-spy's collapsed stacks: shares per process and per frame."""

from __future__ import annotations

from bench.host_sampling import read_samples, render

HOST = 'process 10:"python -m offline_host"'
WORKER = 'process 11:"python -m offline_host.worker.worker_process"'
COLLAPSED = "\n".join(
    [
        f"{HOST};Thread.run (threading.py:1012);serve (http_server.py:40) 3",
        # A worker's stacks begin with its parent's process frame.
        f"{HOST};{WORKER};Thread.run (threading.py:1012);create_message (create_message.py:88)"
        ";send (direct_http.py:72) 5",
        f"{HOST};{WORKER};Thread.run (threading.py:1015);create_message (create_message.py:90) 2",
        "not a stack line",
    ]
)


def test_samples_are_counted_per_process_and_per_frame_without_line_numbers():
    # WHEN three stacks of 10 samples in all are read
    samples = read_samples(COLLAPSED)

    # THEN each process has its share
    assert samples.total == 10
    assert samples.processes == {WORKER: 7, HOST: 3}
    # AND a frame counts once per stack it is in, whatever line it was at
    assert samples.inclusive["Thread.run (threading.py)"] == 10
    assert samples.inclusive["create_message (create_message.py)"] == 7
    # AND the innermost frame of each stack is counted exclusively
    assert samples.exclusive["send (direct_http.py)"] == 5
    assert samples.exclusive["create_message (create_message.py)"] == 2
    assert "Thread.run (threading.py)" not in samples.exclusive


def test_the_rendering_gives_shares_of_all_samples():
    text = render(read_samples(COLLAPSED), top=2)

    assert "10 samples" in text
    assert " 70.0%  create_message (create_message.py)" in text
    assert " 50.0%  send (direct_http.py)" in text
