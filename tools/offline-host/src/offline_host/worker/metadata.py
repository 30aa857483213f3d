"""The RpcFunctionMetadata of a function, built from its function.json as the host builds it.

The v1 worker library does not read function.json: the host does, and tells the worker each
function's folder, script, entry point and bindings in a FunctionLoadRequest. The library
checks the function's parameters against these bindings and picks each one's converter from
its type and dataType, so they must be the ones function.json declares.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from offline_host.errors import FunctionLoadError
from offline_host.function_config import FunctionConfig, read_function_json

from .protocol import pb

# ``in`` is a Python keyword: that value is reachable only through Value().
_DIRECTIONS: dict[str, pb.BindingInfo.Direction] = {
    "in": cast("pb.BindingInfo.Direction", pb.BindingInfo.Direction.Value("in")),
    "out": pb.BindingInfo.out,
    "inout": pb.BindingInfo.inout,
}
_DATA_TYPES: dict[str, pb.BindingInfo.DataType] = {
    "string": pb.BindingInfo.string,
    "binary": pb.BindingInfo.binary,
    "stream": pb.BindingInfo.stream,
}


def function_id(config: FunctionConfig) -> str:
    """The id the worker knows the function by: its name, stable across processes and runs."""
    return config.name


def function_metadata(
    config: FunctionConfig, raw: Mapping[str, Any] | None = None
) -> pb.RpcFunctionMetadata:
    """The metadata of the function ``config`` describes.

    ``raw`` is its parsed function.json, read again from its folder when not given; the
    bindings' ``dataType`` comes from there (FunctionConfig keeps only what the host needs).
    Raises FunctionLoadError for a binding the function.json parsing did not already reject.
    """
    raw = read_function_json(config.directory) if raw is None else raw
    directory = config.directory.resolve()
    metadata = pb.RpcFunctionMetadata(
        name=config.name,
        function_id=function_id(config),
        # The library imports script_file relative to directory's parent: both resolved.
        directory=str(directory),
        script_file=str(config.script_file),
        # Empty means "main" to the library, as it does to the real host.
        entry_point=str(raw.get("entryPoint") or ""),
        language="python",
    )
    for binding in raw.get("bindings") or ():
        name, info = _binding_info(config.name, binding)
        metadata.bindings[name].CopyFrom(info)
        metadata.raw_bindings.append(json.dumps(binding))
    return metadata


def _binding_info(function: str, binding: Mapping[str, Any]) -> tuple[str, pb.BindingInfo]:
    name = binding.get("name")
    direction = str(binding.get("direction", "in")).lower()
    data_type = str(binding.get("dataType", "")).lower()
    if not isinstance(name, str) or direction not in _DIRECTIONS:
        raise FunctionLoadError(f"{function}: binding {name!r} has no name or a bad direction")
    if data_type and data_type not in _DATA_TYPES:
        raise FunctionLoadError(f"{function}: binding {name!r} has an unknown dataType")
    info = pb.BindingInfo(type=str(binding.get("type", "")), direction=_DIRECTIONS[direction])
    if data_type:
        info.data_type = _DATA_TYPES[data_type]
    return name, info
