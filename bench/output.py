"""How a benchmark hands back its result: the JSON on stdout, a table on stderr, the JSON
written to `--json-out` too, and the exit code."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def report_result(
    result: dict[str, Any], *, ok: bool, json_out: Path | None, table: str | None = None
) -> int:
    """Print `result` as JSON (and `table`, if any, on stderr), write it to `json_out` if
    given; return the exit code: 0 if `ok`, else 1."""
    text = json.dumps(result, indent=2)
    print(text)
    if table is not None:
        print(table, file=sys.stderr)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(text + "\n", encoding="utf-8")
    return 0 if ok else 1
