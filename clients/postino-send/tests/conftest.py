"""The project's local stack and offline host, for the end-to-end tests of the sender.

Run from the repository root (`make test`, or `.venv/bin/python -m pytest
clients/postino-send/tests`): the fixtures are the app's own, loaded whole as plugins so
that whatever the host fixture needs comes with it.
"""

from __future__ import annotations

pytest_plugins = ["tests.conftest", "tests.e2e.conftest"]
