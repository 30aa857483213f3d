"""Scan the Bicep templates with checkov and fail on anything short of a clean result.

    python infra/azure/scan.py [--checkov PATH]

checkov runs from its own virtualenv (`make checkov` installs it in .venv-checkov), so its
dependencies never meet the app's. The scan fails on:
- any failed check;
- any parsing error: checkov exits 0 when a file does not parse and only says so in its JSON
  summary, so a broken template would otherwise pass with nothing scanned;
- any skipped check without a reason (`// checkov:skip=CKV_ID:reason` inside the resource);
- any skip comment that skips nothing (a stale one hides the next real finding);
- no resource scanned at all.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_CHECKOV = HERE.parents[1] / ".venv-checkov" / "bin" / "checkov"
# checkov's own wording when a skip comment gives no reason.
NO_REASON = "No comment provided"
SKIP_COMMENT = re.compile(r"//\s*checkov:skip=([A-Za-z0-9_]+)")


@dataclass
class ScanResult:
    passed: int = 0
    failures: list[str] = field(default_factory=list)
    parsing_errors: list[str] = field(default_factory=list)
    unexplained_skips: list[str] = field(default_factory=list)
    skipped: set[tuple[str, str]] = field(default_factory=set)
    resources: int = 0


def run_checkov(checkov: Path, directory: Path) -> list[dict[str, Any]]:
    """checkov's JSON report(s) for `directory`; one dict per framework it ran."""
    command = [
        str(checkov),
        "--framework",
        "bicep",
        "--directory",
        str(directory),
        "--output",
        "json",
        "--compact",
        # Nothing is fetched from the vendor's platform (there is no network in CI here).
        "--skip-download",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    # 0: clean, 1: failed checks; anything else is checkov itself failing.
    if completed.returncode not in (0, 1):
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"checkov exited {completed.returncode}")
    report = json.loads(completed.stdout)
    return report if isinstance(report, list) else [report]


def read_reports(reports: Iterable[dict[str, Any]]) -> ScanResult:
    result = ScanResult()
    for report in reports:
        summary = report.get("summary", {})
        results = report.get("results", {})
        result.passed += int(summary.get("passed", 0))
        result.resources += int(summary.get("resource_count", 0))
        result.parsing_errors += list(results.get("parsing_errors", []))
        if int(summary.get("parsing_errors", 0)) and not results.get("parsing_errors"):
            result.parsing_errors.append("(checkov counted a parsing error without naming it)")
        for check in results.get("failed_checks", []):
            result.failures.append(
                f"{check['check_id']} {check['resource']} ({check['file_path']}): "
                f"{check['check_name']}"
            )
        for check in results.get("skipped_checks", []):
            file_name = Path(check["file_path"]).name
            result.skipped.add((file_name, check["check_id"]))
            reason = (check.get("check_result") or {}).get("suppress_comment", "").strip()
            if not reason or reason == NO_REASON:
                result.unexplained_skips.append(
                    f"{check['check_id']} {check['resource']} ({check['file_path']})"
                )
    return result


def skip_comments(directory: Path) -> set[tuple[str, str]]:
    """(file name, check id) of every skip comment in the templates."""
    found: set[tuple[str, str]] = set()
    for path in sorted(directory.rglob("*.bicep")):
        for check_id in SKIP_COMMENT.findall(path.read_text(encoding="utf-8")):
            found.add((path.name, check_id))
    return found


def problems(result: ScanResult, comments: set[tuple[str, str]]) -> list[str]:
    found = [f"failed: {line}" for line in result.failures]
    found += [f"does not parse: {path}" for path in result.parsing_errors]
    found += [f"skipped without a reason: {line}" for line in result.unexplained_skips]
    found += [
        f"skip comment skips nothing: {check_id} in {name}"
        for name, check_id in sorted(comments - result.skipped)
    ]
    if not result.resources:
        found.append("no resource was scanned")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkov", type=Path, default=DEFAULT_CHECKOV)
    parser.add_argument("--directory", type=Path, default=HERE)
    args = parser.parse_args(argv)
    result = read_reports(run_checkov(args.checkov, args.directory))
    found = problems(result, skip_comments(args.directory))
    print(
        f"checkov (bicep): {result.resources} resources, {result.passed} checks passed, "
        f"{len(result.failures)} failed, {len(result.skipped)} skipped, "
        f"{len(result.parsing_errors)} parsing errors"
    )
    for line in found:
        print(f"  {line}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
