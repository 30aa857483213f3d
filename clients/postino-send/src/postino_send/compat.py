"""What the sender takes from Python 3.11, also on 3.10: tomllib, which is there the tomli
backport it was made from (a dependency on 3.10 only, pinned to the version 3.11 ships).
The domain rules it ships have their own (shared.domain.compat: StrEnum, UTC)."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):  # noqa: UP036 - the sender still runs on 3.10
    import tomllib
else:
    import tomli as tomllib

__all__ = ["tomllib"]
