"""The "Functions:" listing printed at start-up, in the shape Core Tools prints it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .function_config import FunctionConfig
from .routing import HttpRoute


def render_listing(
    base_url: str,
    functions: Iterable[FunctionConfig],
    routes: Iterable[HttpRoute],
    disabled: Iterable[str],
    errors: Mapping[str, str],
) -> str:
    """One line per function: HTTP ones with methods and URL, others with their trigger."""
    urls = {route.function_name: route for route in routes}
    lines = ["", "Functions:", ""]
    for function in sorted(functions, key=lambda f: f.name.lower()):
        route = urls.get(function.name)
        if route is not None:
            methods = f"[{','.join(sorted(route.methods))}] " if route.methods else ""
            lines.append(f"\t{function.name}: {methods}{base_url}/{route.template.text}")
        else:
            lines.append(f"\t{function.name}: {function.trigger_type}")
        lines.append("")
    for name in disabled:
        lines += [f"\t{name}: disabled", ""]
    if errors:
        lines.append("Functions that failed to load (not running):")
        lines += [f"\t{name}: {error}" for name, error in errors.items()]
        lines.append("")
    return "\n".join(lines)
