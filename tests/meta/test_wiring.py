"""The code, the function.json bindings, host.json, the sample settings and the storage
layout name the same settings, queues and containers."""

from __future__ import annotations

import importlib
import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.queues import poison_queue_name
from shared.admin.cli import main as admin_cli
from shared.config import AZURE_ONLY_SETTINGS, DEFAULT_PUSH_QUEUE, SettingName
from shared.storage_layout import BlobContainerName, ContainerName, QueueName, storage_layout

ROOT = Path(__file__).resolve().parents[2]
SETTING_REFERENCE = re.compile(r"%([A-Za-z0-9_]+)%")
# Settings the Functions runtime itself reads, not the app's code.
RUNTIME_SETTINGS = {"FUNCTIONS_WORKER_RUNTIME"}
# Provisioned queues no function triggers on, and what reads each of them instead.
READ_OUTSIDE_THE_FUNCTIONS = {
    DEFAULT_PUSH_QUEUE: "the operator CLI's `push list`: pushes wait there when no "
    "notification hub is configured (make run), for a person or a forwarder to read",
}


def _function_dirs() -> list[Path]:
    return sorted(path.parent for path in ROOT.glob("*/function.json"))


def _bindings() -> list[dict[str, Any]]:
    bindings: list[dict[str, Any]] = []
    for folder in _function_dirs():
        bindings += json.loads((folder / "function.json").read_text())["bindings"]
    return bindings


def _sample_values() -> dict[str, str]:
    values: dict[str, str] = json.loads((ROOT / "local.settings.sample.json").read_text())["Values"]
    return values


def _referenced_settings() -> set[str]:
    names: set[str] = set()
    for binding in _bindings():
        for value in binding.values():
            if isinstance(value, str):
                names |= set(SETTING_REFERENCE.findall(value))
        if "connection" in binding:
            names.add(binding["connection"])
    return names


def test_the_app_has_the_functions_of_the_design():
    assert [path.name for path in _function_dirs()] == [
        "CitizenInbox",
        "CitizenMessage",
        "CitizenProfile",
        "CreateMessage",
        "DispatchEvent",
        "GetMessageStatus",
        "GetMessageStatusById",
        "GetProfile",
        "GetProfileByPost",
        "ListMessages",
        "PaymentEvents",
        "ProcessMessage",
        "ReminderPartition",
        "ReminderTimer",
        "SweepAcceptedMessages",
    ]


def test_every_setting_a_binding_names_is_in_the_sample_settings():
    assert _referenced_settings() <= set(_sample_values())


def test_every_setting_the_code_reads_is_in_the_sample_settings():
    local = {name.value for name in SettingName} - AZURE_ONLY_SETTINGS
    assert local <= set(_sample_values())


def test_the_sample_settings_hold_nothing_unused():
    used = {name.value for name in SettingName} | _referenced_settings() | RUNTIME_SETTINGS
    assert set(_sample_values()) - used == set()


def test_every_queue_trigger_listens_on_a_provisioned_queue():
    values = _sample_values()
    triggers = [b for b in _bindings() if b["type"] == "queueTrigger"]
    assert triggers
    for trigger in triggers:
        name = SETTING_REFERENCE.sub(lambda m: values[m.group(1)], trigger["queueName"])
        assert name in storage_layout().queues
        assert poison_queue_name(name) in storage_layout().queues


def test_every_provisioned_queue_has_a_consumer_or_is_a_poison_queue():
    values = _sample_values()
    consumed = {
        SETTING_REFERENCE.sub(lambda m: values[m.group(1)], b["queueName"])
        for b in _bindings()
        if b["type"] == "queueTrigger"
    } | set(READ_OUTSIDE_THE_FUNCTIONS)
    for queue in storage_layout().queues:
        assert queue in consumed or queue.removesuffix("-poison") in consumed, queue


def test_the_push_queue_is_provisioned_named_by_its_setting_and_read_by_the_cli(capsys):
    assert _sample_values()[SettingName.PUSH_QUEUE] == DEFAULT_PUSH_QUEUE
    assert DEFAULT_PUSH_QUEUE in storage_layout().queues
    # Its reader exists: the CLI knows `push list` (--help exits 0 without any storage).
    with pytest.raises(SystemExit) as exited:
        admin_cli(["push", "list", "--help"])
    assert exited.value.code == 0
    assert "--limit" in capsys.readouterr().out


def test_the_messages_queue_setting_is_the_one_processmessage_listens_on():
    trigger = json.loads((ROOT / "ProcessMessage" / "function.json").read_text())["bindings"][0]
    assert trigger["queueName"] == f"%{SettingName.MESSAGES_QUEUE}%"
    assert trigger["connection"] == SettingName.STORAGE_CONNECTION


def test_the_reminder_schedule_comes_from_its_setting():
    trigger = json.loads((ROOT / "ReminderTimer" / "function.json").read_text())["bindings"][0]
    assert trigger["type"] == "timerTrigger"
    assert trigger["schedule"] == f"%{SettingName.REMINDER_SCHEDULE}%"


def test_container_names_in_code_are_the_layouts():
    in_code = {v for k, v in vars(ContainerName).items() if k.isupper()}
    assert in_code == {spec.name for spec in storage_layout().containers}


def test_blob_container_names_in_code_are_the_layouts():
    in_code = {v for k, v in vars(BlobContainerName).items() if k.isupper()}
    assert in_code == set(storage_layout().blob_containers)


def test_host_json_spells_out_the_queue_settings_and_a_timeout():
    host = json.loads((ROOT / "host.json").read_text())
    assert host["version"] == "2.0"
    assert host["functionTimeout"]
    assert host["extensionBundle"]["id"] == "Microsoft.Azure.Functions.ExtensionBundle"
    queues = host["extensions"]["queues"]
    assert queues["messageEncoding"] == "base64"
    for key in ("maxDequeueCount", "visibilityTimeout", "batchSize"):
        assert key in queues


@pytest.mark.parametrize("folder", _function_dirs(), ids=lambda path: path.name)
def test_function_folders_stay_thin(folder):
    source = (folder / "__init__.py").read_text()
    assert len(source.splitlines()) <= 20
    assert "def main(" in source
    assert "from shared." in source


@pytest.mark.parametrize("folder", _function_dirs(), ids=lambda path: path.name)
def test_main_takes_the_bindings_by_their_names_and_the_context(folder):
    # The worker refuses a function whose parameters are not named as its bindings.
    bindings = json.loads((folder / "function.json").read_text())["bindings"]
    inputs = [binding["name"] for binding in bindings if binding["direction"] == "in"]
    main = importlib.import_module(folder.name).main
    assert list(inspect.signature(main).parameters) == [*inputs, "context"]


def test_dispatchevent_listens_on_the_events_queue_the_code_sends_to():
    (trigger,) = [
        b
        for b in json.loads((ROOT / "DispatchEvent" / "function.json").read_text())["bindings"]
        if b["type"] == "queueTrigger"
    ]
    assert trigger["queueName"] == QueueName.EVENTS
