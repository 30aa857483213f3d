"""Discovery and function.json: which functions exist, what they declare, what is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from offline_host.discovery import discover_functions
from offline_host.errors import FunctionLoadError, MissingSettingError
from offline_host.function_config import (
    AuthLevel,
    HttpTrigger,
    QueueTrigger,
    TimerTrigger,
    parse_function_config,
)
from offline_host.host_config import HostConfig, read_host_config
from offline_host.storage_connection import DEVELOPMENT_STORAGE

SAMPLE_APP = Path(__file__).parent / "sample_app"
SAMPLE_ENV = {
    "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    "SAMPLE_SCHEDULE": "0 0 0 1 1 *",
    "SAMPLE_WORK_QUEUE": "work",
    "SAMPLE_RESULTS_QUEUE": "results",
    "SAMPLE_DOOMED_QUEUE": "doomed",
    "SAMPLE_OUTBOX_QUEUE": "outbox",
}
STORAGE = {"AzureWebJobsStorage": "UseDevelopmentStorage=true"}


def http_binding(**extra: Any) -> dict[str, Any]:
    return {"type": "httpTrigger", "direction": "in", "name": "req", **extra}


def parse(raw: dict[str, Any], environ: dict[str, str] | None = None, name: str = "Fn") -> Any:
    return parse_function_config(
        name, Path("/app") / name, raw, STORAGE if environ is None else environ
    )


def test_every_folder_with_a_function_json_is_a_function() -> None:
    discovery = discover_functions(SAMPLE_APP, read_host_config(SAMPLE_APP), SAMPLE_ENV)
    names = {config.name for config in discovery.functions}
    assert {"EchoItem", "RecordWork", "Tick", "SubmitWork", "AsyncEcho"} <= names
    assert "sample_shared" not in names
    assert discovery.errors == {}


def test_setting_references_in_bindings_are_resolved() -> None:
    discovery = discover_functions(SAMPLE_APP, read_host_config(SAMPLE_APP), SAMPLE_ENV)
    by_name = {config.name: config for config in discovery.functions}
    record_work = by_name["RecordWork"]
    assert isinstance(record_work.trigger, QueueTrigger)
    assert record_work.trigger.queue_name == "work"
    assert record_work.queue_outputs[0].queue_name == "results"
    tick = by_name["Tick"]
    assert isinstance(tick.trigger, TimerTrigger)
    assert tick.trigger.schedule.expression == "0 0 0 1 1 *"


def test_missing_setting_fails_only_the_functions_that_use_it() -> None:
    # GIVEN an environment without SAMPLE_SCHEDULE
    environ = {k: v for k, v in SAMPLE_ENV.items() if k != "SAMPLE_SCHEDULE"}
    # WHEN the app is discovered
    discovery = discover_functions(SAMPLE_APP, read_host_config(SAMPLE_APP), environ)
    # THEN Tick is reported with the setting's name, and the others are still there
    assert "'SAMPLE_SCHEDULE' is not set" in discovery.errors["Tick"]
    assert "EchoItem" in {config.name for config in discovery.functions}


def test_disabled_functions_are_skipped_by_app_setting() -> None:
    environ = {**SAMPLE_ENV, "AzureWebJobs.EchoItem.Disabled": "true"}
    discovery = discover_functions(SAMPLE_APP, read_host_config(SAMPLE_APP), environ)
    assert discovery.disabled == ("EchoItem",)
    assert "EchoItem" not in {config.name for config in discovery.functions}


def test_host_json_functions_list_restricts_discovery() -> None:
    host = HostConfig(function_allow_list=("echoitem",))
    discovery = discover_functions(SAMPLE_APP, host, SAMPLE_ENV)
    assert [config.name for config in discovery.functions] == ["EchoItem"]


def test_http_trigger_defaults_route_to_the_name_and_auth_to_function() -> None:
    config = parse({"bindings": [http_binding(methods=["get", "Post"])]}, name="Ping")
    assert isinstance(config.trigger, HttpTrigger)
    assert config.trigger.route == "Ping"
    assert config.trigger.auth_level is AuthLevel.FUNCTION
    assert config.trigger.methods == frozenset({"GET", "POST"})
    assert config.entry_point == "main"
    assert config.script_file.name == "__init__.py"


def test_absent_methods_mean_every_method() -> None:
    config = parse({"bindings": [http_binding(authLevel="Anonymous")]})
    assert isinstance(config.trigger, HttpTrigger)
    assert config.trigger.methods is None
    assert config.trigger.auth_level is AuthLevel.ANONYMOUS


def test_development_storage_shorthand_means_the_emulator() -> None:
    config = parse(
        {
            "bindings": [
                {"type": "queueTrigger", "direction": "in", "name": "m", "queueName": "jobs"}
            ]
        }
    )
    assert isinstance(config.trigger, QueueTrigger)
    assert config.trigger.connection_string == DEVELOPMENT_STORAGE


def test_connection_is_also_looked_up_with_the_azurewebjobs_prefix() -> None:
    binding = {"type": "queueTrigger", "direction": "in", "name": "m", "queueName": "jobs"}
    environ = {"AzureWebJobsOther": "DefaultEndpointsProtocol=http;AccountName=x"}
    config = parse({"bindings": [{**binding, "connection": "Other"}]}, environ)
    assert config.trigger.connection_string == environ["AzureWebJobsOther"]


def test_missing_connection_setting_is_named() -> None:
    binding = {"type": "queueTrigger", "direction": "in", "name": "m", "queueName": "jobs"}
    with pytest.raises(MissingSettingError, match="'Nowhere' is not set"):
        parse({"bindings": [{**binding, "connection": "Nowhere"}]}, {})


@pytest.mark.parametrize(
    ("bindings", "problem"),
    [
        ([], "no bindings"),
        ([{"type": "http", "direction": "out", "name": "$return"}], "exactly one trigger"),
        ([http_binding(), http_binding(name="other")], "exactly one trigger"),
        (
            [{"type": "blobTrigger", "direction": "in", "name": "b"}],
            "'blobtrigger' is not supported",
        ),
        ([http_binding(), {"type": "cosmosDB", "direction": "out", "name": "d"}], "'cosmosdb'"),
        ([http_binding(), {"type": "blob", "direction": "in", "name": "b"}], "input binding 'b'"),
        (
            [{"type": "queueTrigger", "direction": "in", "name": "m", "queueName": "Bad_Name"}],
            "not a valid queue name",
        ),
        ([http_binding(authLevel="user")], "authLevel 'user'"),
        ([http_binding(name="not-an-identifier")], "not a Python identifier"),
        ([http_binding(), {"type": "http", "direction": "out", "name": "req"}], "same name"),
        ([{"type": "timerTrigger", "direction": "in", "name": "t"}], "needs a 'schedule'"),
    ],
)
def test_unsupported_or_malformed_function_json_is_a_load_error(
    bindings: list[dict[str, Any]], problem: str
) -> None:
    with pytest.raises(FunctionLoadError, match=problem):
        parse({"bindings": bindings})
