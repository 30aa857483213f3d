"""Every GitHub Action a workflow uses is pinned to a full commit SHA (a tag can be moved to
other code; a commit cannot), with the release it is in a comment for people."""

from __future__ import annotations

import re
from pathlib import Path

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
USES = re.compile(r"^\s*(?:-\s*)?uses:\s*(\S+)(.*)$", re.MULTILINE)
PINNED = re.compile(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}")
RELEASE_COMMENT = re.compile(r"\s+# v\d+\.\d+\.\d+$")


def _uses() -> list[tuple[str, str, str]]:
    found = []
    for workflow in sorted(WORKFLOWS.glob("*.y*ml")):
        for action, rest in USES.findall(workflow.read_text(encoding="utf-8")):
            found.append((workflow.name, action, rest))
    return found


def test_the_workflows_use_actions() -> None:
    assert _uses(), "no `uses:` found: the test would check nothing"


def test_every_action_is_pinned_to_a_commit_with_its_release_in_a_comment() -> None:
    for workflow, action, rest in _uses():
        if action.startswith(("./", "docker://")):
            continue  # the repository's own actions and images pinned by digest are not tags
        assert PINNED.fullmatch(action), f"{workflow}: {action} is not pinned to a commit SHA"
        assert RELEASE_COMMENT.fullmatch(rest), f"{workflow}: {action} lacks `# vX.Y.Z`"


def test_one_action_is_pinned_to_one_commit_everywhere() -> None:
    commits: dict[str, set[str]] = {}
    for _, action, _ in _uses():
        name, _, commit = action.partition("@")
        commits.setdefault(name.lower(), set()).add(commit)
    assert {name: shas for name, shas in commits.items() if len(shas) > 1} == {}
