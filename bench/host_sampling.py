"""Where the host's CPU goes: py-spy samples the offline host and its worker processes.

    .venv/bin/python -m bench.pipeline --accept-only --host-profile host.stacks
    .venv/bin/python -m bench.host_sampling host.stacks [--top 30]

While a benchmark runs, `py-spy record --subprocesses --gil` samples, 100 times a second,
the threads that hold the GIL in the host and in each of its workers (so a thread waiting
on a socket or a lock is not counted), pausing each process for the moment of a sample
(without that, most samples of a busy worker fail), and writes one line per distinct stack
with its count ("collapsed" stacks, which flame graph tools read too). This module's command
prints each process's share of the samples and the frames that most samples were in, inclusive
and exclusive. cProfile cannot do this job since Python 3.12: one profiler at a time may be
active in a process, and it would not follow the worker processes.
"""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PY_SPY = Path(sys.executable).with_name("py-spy")
SAMPLES_PER_SECOND = 100
STOP_SECONDS = 30.0
_LINE_NUMBER = re.compile(r":\d+\)$")
_PROCESS = "process "


@contextmanager
def sampling(pid: int, out: Path, *, log: Path) -> Iterator[None]:
    """Sample process `pid` and its children into `out` until the block ends."""
    command = [
        str(PY_SPY),
        "record",
        "--pid",
        str(pid),
        "--subprocesses",
        "--gil",
        "--rate",
        str(SAMPLES_PER_SECOND),
        "--format",
        "raw",
        "--output",
        str(out),
    ]
    with log.open("ab") as output:
        sampler = subprocess.Popen(  # noqa: S603 - the venv's own py-spy
            command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    try:
        yield
    finally:
        # On SIGINT py-spy writes what it sampled and exits (it also stops by itself when
        # the host exits first).
        if sampler.poll() is None:
            sampler.send_signal(signal.SIGINT)
        sampler.wait(timeout=STOP_SECONDS)


@dataclass(frozen=True)
class Samples:
    total: int
    processes: Counter[str]
    inclusive: Counter[str]
    exclusive: Counter[str]


def _frame(text: str) -> str:
    """A frame without its line number: `function (file)`."""
    return _LINE_NUMBER.sub(")", text)


def read_samples(collapsed: str) -> Samples:
    """Count collapsed stacks (`process;frame;...;frame count` per line, a child process's
    frame after its parent's): samples per process (the innermost process frame), and per
    frame, those it was in (once per stack) and those
    it was the innermost frame of."""
    processes: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    exclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rstrip().rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        # A worker's stacks begin with the host's process frame, then its own.
        frames = stack.split(";")
        while len(frames) > 1 and frames[1].startswith(_PROCESS):
            frames.pop(0)
        process, *frames = frames
        total += count
        processes[process] += count
        named = [_frame(frame) for frame in frames]
        for frame in set(named):
            inclusive[frame] += count
        if named:
            exclusive[named[-1]] += count
    return Samples(total, processes, inclusive, exclusive)


def render(samples: Samples, top: int) -> str:
    def share(count: int) -> str:
        return f"{100 * count / samples.total:5.1f}%"

    lines = [f"{samples.total} samples of threads holding the GIL", "", "per process:"]
    lines += [f"  {share(n)}  {name}" for name, n in samples.processes.most_common()]
    for title, counter in (("inclusive", samples.inclusive), ("exclusive", samples.exclusive)):
        lines += ["", f"frames, {title}:"]
        lines += [f"  {share(n)}  {frame}" for frame, n in counter.most_common(top)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("stacks", type=Path, help="a file --host-profile wrote")
    parser.add_argument("--top", type=int, default=30)
    arguments = parser.parse_args(argv)
    samples = read_samples(arguments.stacks.read_text(encoding="utf-8"))
    if not samples.total:
        print(f"no samples in {arguments.stacks}", file=sys.stderr)
        return 1
    print(render(samples, arguments.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
