"""The checkov scan of infra/azure fails on what checkov itself lets pass: a template that
does not parse (checkov exits 0), a skip without a reason, a stale skip comment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from infra.azure.scan import problems, read_reports, skip_comments


def _report(**results: Any) -> dict[str, Any]:
    summary = {
        "passed": len(results.get("passed_checks", [])),
        "failed": len(results.get("failed_checks", [])),
        "parsing_errors": len(results.get("parsing_errors", [])),
        "resource_count": results.pop("resource_count", 1),
    }
    return {"check_type": "bicep", "results": results, "summary": summary}


def _skipped(check_id: str, reason: str) -> dict[str, Any]:
    return {
        "check_id": check_id,
        "resource": "Microsoft.Storage/storageAccounts.account",
        "file_path": "/modules/storage.bicep",
        "check_result": {"result": "SKIPPED", "suppress_comment": reason},
    }


def test_a_clean_report_has_no_problems():
    report = _report(skipped_checks=[_skipped("CKV_AZURE_35", "why")], parsing_errors=[])
    result = read_reports([report])
    assert problems(result, {("storage.bicep", "CKV_AZURE_35")}) == []


def test_a_parsing_error_is_a_problem_though_checkov_passes_it():
    result = read_reports([_report(parsing_errors=["/x/main.bicep"])])
    assert problems(result, set()) == ["does not parse: /x/main.bicep"]


def test_a_skip_without_a_reason_is_a_problem():
    report = _report(skipped_checks=[_skipped("CKV_AZURE_35", "No comment provided")])
    found = problems(read_reports([report]), {("storage.bicep", "CKV_AZURE_35")})
    assert [line.split(":")[0] for line in found] == ["skipped without a reason"]


def test_a_skip_comment_that_skips_nothing_is_a_problem():
    found = problems(read_reports([_report()]), {("storage.bicep", "CKV_AZURE_1")})
    assert found == ["skip comment skips nothing: CKV_AZURE_1 in storage.bicep"]


def test_a_scan_of_nothing_is_a_problem():
    assert problems(read_reports([_report(resource_count=0)]), set()) == ["no resource was scanned"]


def test_skip_comments_are_found_with_their_file(tmp_path: Path):
    (tmp_path / "a.bicep").write_text("resource x 'T@1' = {\n  // checkov:skip=CKV_AZURE_9:r\n}\n")
    assert skip_comments(tmp_path) == {("a.bicep", "CKV_AZURE_9")}
