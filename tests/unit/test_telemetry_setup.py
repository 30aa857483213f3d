"""Without APPLICATIONINSIGHTS_CONNECTION_STRING nothing is exported and nothing is sent;
with it, the distro is configured once, without log export or URL-carrying spans.

Each case runs in its own interpreter: the setup is once per process, as in a worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

WITHOUT_THE_SETTING = """
import json, logging, socket, sys
attempts = []
real_connect = socket.socket.connect
def connect(self, address):
    attempts.append(str(address))
    return real_connect(self, address)
socket.socket.connect = connect
logging.basicConfig(level=logging.INFO)

from opentelemetry import metrics
from shared.observability import setup
from shared.observability.invocation import invocation
from shared.observability.metrics import app_metrics

with invocation("CreateMessage", "inv-1"):
    app_metrics().accepted("svc-1", 12.0)
    app_metrics().poison_queue_depth(3)
setup.configure_observability()  # again: nothing more happens
print(json.dumps({
    "exporting": setup.exporting(),
    "distro_imported": "azure.monitor.opentelemetry" in sys.modules,
    "sdk_meter_provider": type(metrics.get_meter_provider()).__module__.startswith(
        "opentelemetry.sdk"
    ),
    "connections": attempts,
}))
"""

WITH_THE_SETTING = """
import json, logging, sys, types
calls = []
fake = types.ModuleType("azure.monitor.opentelemetry")
fake.configure_azure_monitor = lambda **kwargs: calls.append(kwargs)
sys.modules["azure.monitor.opentelemetry"] = fake
logging.basicConfig(level=logging.INFO)

from shared.observability import setup
setup.configure_observability()
setup.configure_observability()
print(json.dumps({"exporting": setup.exporting(), "calls": calls}))
"""

A_BROKEN_SETTING = """
import json, logging
logging.basicConfig(level=logging.INFO)
from shared.observability import setup
from shared.observability.invocation import invocation
with invocation("CreateMessage", "inv-1"):
    pass
print(json.dumps({"exporting": setup.exporting()}))
"""


def _run(code: str, **env: str) -> tuple[dict[str, object], str]:
    environ = {k: v for k, v in os.environ.items() if k != "APPLICATIONINSIGHTS_CONNECTION_STRING"}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env={**environ, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    last_line = result.stdout.strip().splitlines()[-1]
    outcome: dict[str, object] = json.loads(last_line)
    return outcome, result.stderr


def test_without_the_setting_nothing_is_exported_and_no_connection_is_made():
    outcome, log = _run(WITHOUT_THE_SETTING)
    assert outcome == {
        "exporting": False,
        "distro_imported": False,
        "sdk_meter_provider": False,
        "connections": [],
    }
    # The worker's log lines are JSON all the same.
    finished = [json.loads(line) for line in log.splitlines() if '"outcome"' in line]
    assert [line["function"] for line in finished] == ["CreateMessage"]


def test_with_the_setting_the_distro_is_configured_once_without_logs_or_url_spans():
    setting = {"APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=x"}
    outcome, _ = _run(WITH_THE_SETTING, **setting)
    assert outcome["exporting"] is True
    calls = outcome["calls"]
    assert isinstance(calls, list)
    (call,) = calls
    assert call["connection_string"] == "InstrumentationKey=x"
    assert call["disable_logging"] is True
    assert call["enable_live_metrics"] is False
    disabled = {name for name, option in call["instrumentation_options"].items()}
    assert {"azure_sdk", "requests", "urllib3"} <= disabled
    assert not any(option["enabled"] for option in call["instrumentation_options"].values())


def test_a_connection_string_the_distro_refuses_breaks_nothing():
    outcome, log = _run(A_BROKEN_SETTING, APPLICATIONINSIGHTS_CONNECTION_STRING="not-a-string")
    assert outcome == {"exporting": False}
    assert "telemetry not configured" in log
    assert "not-a-string" not in log
