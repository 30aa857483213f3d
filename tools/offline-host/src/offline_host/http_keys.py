"""Function and master keys for ``authLevel`` function/admin, as the host checks them.

The offline host has one function key for every function and one master key, from the
environment, instead of the real host's generated and stored secrets.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

from .function_config import AuthLevel

FUNCTION_KEY_SETTING = "OFFLINE_HOST_FUNCTION_KEY"
MASTER_KEY_SETTING = "OFFLINE_HOST_MASTER_KEY"
DEFAULT_FUNCTION_KEY = "local-function-key"
DEFAULT_MASTER_KEY = "local-master-key"
KEY_HEADER = "x-functions-key"
KEY_QUERY_PARAMETER = "code"


@dataclass(frozen=True)
class HostKeys:
    """The keys requests are checked against."""

    function_key: str
    master_key: str

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> HostKeys:
        return cls(
            function_key=environ.get(FUNCTION_KEY_SETTING) or DEFAULT_FUNCTION_KEY,
            master_key=environ.get(MASTER_KEY_SETTING) or DEFAULT_MASTER_KEY,
        )

    def authorizes(self, level: AuthLevel, presented: str | None) -> bool:
        """Whether a request carrying ``presented`` may call a function of ``level``."""
        if level is AuthLevel.ANONYMOUS:
            return True
        if not presented:
            return False
        if _same(presented, self.master_key):
            return True
        return level is AuthLevel.FUNCTION and _same(presented, self.function_key)


def presented_key(header_value: str | None, query: str) -> str | None:
    """The key a request carries: the x-functions-key header, else the ``code`` parameter."""
    if header_value:
        return header_value
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name == KEY_QUERY_PARAMETER:
            return value
    return None


def _same(presented: str, expected: str) -> bool:
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))
