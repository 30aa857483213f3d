"""The worker tests: the protocol's classes are generated before any test module imports them.

No fixture here starts an emulator: loading and invoking functions that touch no storage
needs none.
"""

from __future__ import annotations

from offline_host.worker.generate import generate

# conftest.py is imported before the test modules: a stale generated module never runs.
generate()
