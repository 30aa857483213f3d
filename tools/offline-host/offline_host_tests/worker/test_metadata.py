"""RpcFunctionMetadata from function.json, as the host sends it in a FunctionLoadRequest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from offline_host.function_config import parse_function_config
from offline_host.worker.metadata import function_metadata
from offline_host.worker.protocol import pb

STORAGE = {"AzureWebJobsStorage": "UseDevelopmentStorage=true"}


def write_function(root: Path, raw: dict[str, Any]) -> pb.RpcFunctionMetadata:
    folder = root / "Work"
    folder.mkdir()
    (folder / "function.json").write_text(json.dumps(raw))
    (folder / "main.py").write_text("def run(msg): pass\n")
    return function_metadata(parse_function_config("Work", folder, raw, STORAGE))


def test_metadata_names_the_folder_script_entry_point_and_bindings(tmp_path: Path) -> None:
    raw = {
        "scriptFile": "main.py",
        "entryPoint": "run",
        "bindings": [
            {
                "type": "queueTrigger",
                "direction": "in",
                "name": "msg",
                "queueName": "work",
                "dataType": "binary",
            },
            {"type": "queue", "direction": "out", "name": "$return", "queueName": "done"},
        ],
    }

    metadata = write_function(tmp_path, raw)

    assert metadata.name == "Work"
    assert metadata.function_id == "Work"
    assert metadata.directory == str((tmp_path / "Work").resolve())
    assert metadata.script_file == str((tmp_path / "Work" / "main.py").resolve())
    assert metadata.entry_point == "run"
    trigger = metadata.bindings["msg"]
    assert (trigger.type, trigger.direction) == (
        "queueTrigger",
        pb.BindingInfo.Direction.Value("in"),
    )
    assert trigger.data_type == pb.BindingInfo.binary
    output = metadata.bindings["$return"]
    assert (output.type, output.direction, output.data_type) == (
        "queue",
        pb.BindingInfo.out,
        pb.BindingInfo.undefined,
    )
    assert [json.loads(binding) for binding in metadata.raw_bindings] == raw["bindings"]


def test_without_entry_point_the_library_is_left_to_default_to_main(tmp_path: Path) -> None:
    raw = {
        "scriptFile": "main.py",
        "bindings": [
            {"type": "timerTrigger", "direction": "in", "name": "t", "schedule": "0 * * * * *"}
        ],
    }

    assert write_function(tmp_path, raw).entry_point == ""
