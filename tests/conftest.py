"""Session fixtures: the real local Azure stack (Azurite + Cosmos emulator) on free ports.

The emulators start once per test session, lazily, only when a test asks for them.
Starting them needs `npm ci` to have run (make test does it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.local.emulators import EmulatorEndpoints, endpoints_on_free_ports, running_emulators
from infra.local.stack import app_settings
from shared import bootstrap
from shared.adapters.provisioning import provision
from shared.adapters.transport import reset_breakers
from shared.config import Settings, StorageConnectionString


@dataclass(frozen=True)
class LocalStack:
    endpoints: EmulatorEndpoints
    settings: Settings
    app_settings: dict[str, str]

    @property
    def storage_connection_string(self) -> str:
        return self.endpoints.storage_connection_string

    @property
    def storage(self) -> StorageConnectionString:
        """Azurite, as the client factories take it."""
        return StorageConnectionString(self.storage_connection_string)


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """Emulators running, storage provisioned, and the app settings in os.environ."""
    log_dir = Path(tmp_path_factory.mktemp("emulator-logs"))
    with running_emulators(endpoints_on_free_ports(), log_dir=log_dir) as endpoints:
        values = app_settings(endpoints)
        saved = {name: os.environ.get(name) for name in values}
        os.environ.update(values)
        bootstrap.app.cache_clear()
        settings = Settings.from_env()
        provision(settings)
        try:
            yield LocalStack(endpoints=endpoints, settings=settings, app_settings=values)
        finally:
            bootstrap.app.cache_clear()
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


@pytest.fixture(autouse=True)
def _closed_breakers() -> Iterator[None]:
    """Each test starts with every endpoint's circuit breaker closed: one test's stuck
    endpoint must not fail the next test's calls."""
    reset_breakers()
    yield
    reset_breakers()
