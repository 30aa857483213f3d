"""What operators read of a service's messages, from its index: a listing by status and
date, and counts per status for a period (shared.admin.message_commands)."""

from __future__ import annotations

import dataclasses

from shared.domain.errors import NotFoundError
from shared.domain.service_messages import ServiceMessageEntry, ServiceMessageFilter, StatusCounts
from shared.services.ports import ServiceMessageIndex, ServiceRepository

# The index's largest page: a longer listing is read a page at a time.
_PAGE = 100


def _known(service_id: str, services: ServiceRepository) -> None:
    if services.get(service_id) is None:
        raise NotFoundError(f"no service {service_id}")


def service_messages(
    where: ServiceMessageFilter,
    limit: int,
    *,
    index: ServiceMessageIndex,
    services: ServiceRepository,
) -> list[ServiceMessageEntry]:
    """Up to `limit` of the service's messages matching `where`, newest first.

    Raises NotFoundError for an unknown service, StorageUnavailableError.
    """
    _known(where.service_id, services)
    found: list[ServiceMessageEntry] = []
    while len(found) < limit:
        wanted = min(_PAGE, limit - len(found))
        page = index.page(where, wanted)
        found += page
        if len(page) < wanted:
            break
        where = dataclasses.replace(where, before_id=page[-1].id)
    return found


def service_message_counts(
    where: ServiceMessageFilter, *, index: ServiceMessageIndex, services: ServiceRepository
) -> StatusCounts:
    """How many of the service's messages created in `where`'s period are in each status,
    and how many were read. Raises NotFoundError for an unknown service,
    StorageUnavailableError."""
    _known(where.service_id, services)
    return index.count(where)
