"""`make run` stops everything it started when it is told to stop: Ctrl-C, and also a
`kill` (SIGTERM) or a closed terminal (SIGHUP), which once left the emulators running (the
host, the emulators and the demo callback receiver alike)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from infra.local.emulators import PROJECT_ROOT, free_port, port_is_open

START_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 30.0

LAUNCH = """
import sys
from infra.local import run
from infra.local.emulators import EmulatorEndpoints
blob, queue, cosmos, host, receiver = (int(arg) for arg in sys.argv[1:])
run.stop_on_termination()
try:
    code = run.run(
        False,
        endpoints=EmulatorEndpoints(blob, queue, cosmos),
        host_port=host,
        receiver_port=receiver,
    )
except KeyboardInterrupt:
    code = 0
sys.exit(code)
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_run_stops_the_host_and_the_emulators_when_terminated(signum, tmp_path):
    # GIVEN `make run`'s runner up on free ports
    ports = [free_port() for _ in range(5)]
    log = (tmp_path / "run.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, *map(str, ports)],
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not (port_is_open(ports[3]) and port_is_open(ports[4])):
            assert process.poll() is None, (tmp_path / "run.log").read_text()
            assert time.monotonic() < deadline, "the host did not start"
            time.sleep(0.2)
        # WHEN it is terminated rather than interrupted
        process.send_signal(signum)
        code = process.wait(timeout=STOP_TIMEOUT_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
        log.close()
    # THEN it ended cleanly and nothing it started still listens
    assert code == 0
    assert [port for port in ports if port_is_open(port)] == []
