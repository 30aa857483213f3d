"""Every function of Postino itself loads in a worker process; no emulator: loading imports only."""

from __future__ import annotations

import json
import os

from offline_host.function_config import FUNCTION_FILE
from offline_host.worker.worker_pool import PROCESS_COUNT_SETTING, WorkerPool
from tests.conformance.app_in_worker import APP_ROOT, app_metadata, discover


def test_every_function_of_the_app_loads_in_a_worker() -> None:
    settings = json.loads((APP_ROOT / "local.settings.sample.json").read_text())["Values"]
    discovery = discover(settings)
    folders = sorted(path.parent.name for path in APP_ROOT.glob(f"*/{FUNCTION_FILE}"))
    assert sorted(config.name for config in discovery.functions) == folders
    assert not discovery.errors

    environ = {**os.environ, **settings, PROCESS_COUNT_SETTING: "1"}
    with WorkerPool.start(APP_ROOT, app_metadata(discovery), environ=environ) as pool:
        assert pool.load_errors == {}
