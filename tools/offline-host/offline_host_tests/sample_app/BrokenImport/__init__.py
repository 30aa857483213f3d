"""A function whose module fails to import: the host must report it and serve the others."""

from __future__ import annotations

raise ImportError("sample_missing_dependency is not installed")
