"""Fixtures for the offline host's integration tests: one sample-app host per package run.

Every host run gets its own queue and container names, so hosts started by different
tests never take each other's messages. Azurite comes from the project's local stack
(`local_stack`), loaded whole as a plugin: run from the repository root
(`.venv/bin/python -m pytest tools/offline-host/offline_host_tests`, or `make test`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from offline_host_tests.running_host import RunningHost, start_host

pytest_plugins = ["tests.conftest"]


@pytest.fixture(scope="package")
def sample_host(
    local_stack: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningHost]:
    host = start_host(local_stack.storage_connection_string, tmp_path_factory.mktemp("host"))
    yield host
    host.stop()


@pytest.fixture
def storage_connection_string(local_stack: Any) -> str:
    return str(local_stack.storage_connection_string)
