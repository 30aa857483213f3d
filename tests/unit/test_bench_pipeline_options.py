"""bench.pipeline's command line: the host's worker settings reach the benchmark's options,
and a setting that cannot run is refused before anything starts."""

from __future__ import annotations

import pytest

from bench.pipeline import arguments_from, options_from


def test_the_worker_settings_reach_the_hosts_settings():
    command = "--accept-only --worker-processes 2 --worker-threads 12 --queue-batch-size 8"
    options = options_from(arguments_from(command.split()))
    assert options.accept_only
    assert options.host_settings() == {
        "FUNCTIONS_WORKER_PROCESS_COUNT": "2",
        "PYTHON_THREADPOOL_THREAD_COUNT": "12",
        "AzureFunctionsJobHost__extensions__queues__batchSize": "8",
        "AzureFunctionsJobHost__extensions__queues__newBatchThreshold": "4",
    }


def test_without_them_the_host_keeps_its_defaults():
    assert options_from(arguments_from([])).host_settings() == {}


@pytest.mark.parametrize("flag", ["--worker-processes", "--worker-threads", "--queue-batch-size"])
def test_a_setting_below_one_is_refused(flag, capsys):
    with pytest.raises(SystemExit) as exited:
        arguments_from([flag, "0"])
    assert exited.value.code == 2
    assert f"{flag} must be at least 1" in capsys.readouterr().err
