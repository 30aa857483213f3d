"""The top-level fields of a new message that Postino accepts and ignores, and which of them
are named back to the sender (the 201's Postino-Ignored-Fields header).

IO's clients send fields IO itself no longer acts on; refusing them would break those
clients, ignoring them silently hides a sender's mistake (a misspelt `time_to_live` is
ignored too). So they are accepted, and named.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

# Fields of IO's NewMessage that Postino accepts, whatever their value, and ignores.
IGNORED_IO_FIELDS = ("default_addresses", "require_secure_channels", "third_party_data")
MAX_NAMED_FIELDS = 20
# Only a short name of these characters is named: it goes into a response header as it is.
_NAMEABLE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def ignored_field_names(fields: Iterable[str], known: Collection[str]) -> tuple[str, ...]:
    """The names among `fields` that are not `known`, sorted, at most MAX_NAMED_FIELDS of
    them; a name that is not short letters, digits, `_`, `.` and `-` is left unnamed."""
    names = {name for name in fields if name not in known and _NAMEABLE.fullmatch(name)}
    return tuple(sorted(names)[:MAX_NAMED_FIELDS])
