"""The Bicep templates create the database, containers, queues and blob containers of
shared/storage_layout.json by loading that file, so there is nothing to keep in step."""

from __future__ import annotations

import re
from pathlib import Path

from shared.storage_layout import LAYOUT_FILE, storage_layout

AZURE = Path(__file__).resolve().parents[2] / "infra" / "azure"
MAIN = AZURE / "main.bicep"
MODULES = AZURE / "modules"
LOAD = re.compile(r"^var layout = loadJsonContent\('([^']+)'\)$", re.MULTILINE)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_main_loads_the_layout_file_itself():
    match = LOAD.search(_text(MAIN))
    assert match, "main.bicep must load the layout with loadJsonContent()"
    # Bicep resolves the path from the file that loads it.
    assert (MAIN.parent / match.group(1)).resolve() == LAYOUT_FILE.resolve()


def test_main_hands_every_part_of_the_layout_to_the_modules():
    main = _text(MAIN)
    for expression in (
        "layout.cosmos.database",
        "layout.cosmos.containers",
        "layout.queues",
        "layout.blobContainers",
    ):
        assert f": {expression}\n" in main, expression


def test_the_modules_loop_over_the_layout_and_pass_each_container_whole():
    storage = _text(MODULES / "storage.bicep")
    cosmos = _text(MODULES / "cosmos.bicep")
    assert re.search(r"= \[\s*for name in queues:", storage)
    assert re.search(r"= \[\s*for name in blobContainers:", storage)
    assert re.search(r"= \[\s*for container in containers:", cosmos)
    for field in ("container.partitionKey", "container.indexingPolicy", "container.defaultTtl"):
        assert field in cosmos, field


def test_no_layout_name_is_written_again_in_the_templates():
    layout = storage_layout()
    names = (
        {spec.name for spec in layout.containers}
        | set(layout.queues)
        | set(layout.blob_containers)
        | {layout.database}
    )
    for path in [MAIN, *MODULES.glob("*.bicep")]:
        quoted = set(re.findall(r"'([^'$]*)'", _text(path)))
        assert not quoted & names, f"{path.name} writes {sorted(quoted & names)} again"


def test_the_messages_container_indexes_what_its_queries_filter_and_sort_on():
    # The inbox filters on status and sorts on id (descending); the sweeper filters on
    # status and compares _ts. Composite indexes make both cheap in Cosmos DB.
    policy = storage_layout().container("messages").indexing_policy
    composites = [
        [(part["path"], part["order"]) for part in index] for index in policy["compositeIndexes"]
    ]
    assert [("/status", "ascending"), ("/id", "descending")] in composites
    assert [("/status", "ascending"), ("/_ts", "ascending")] in composites
