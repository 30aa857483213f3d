"""What operators read of a service's messages, from its index: a listing by status and
date, and counts per status for a period (shared.admin.message_commands)."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

from shared.domain.errors import NotFoundError
from shared.domain.service_messages import ServiceMessageEntry, ServiceMessageFilter, StatusCounts
from shared.services.ports import PaymentRepository, ServiceMessageIndex, ServiceRepository

# The index's largest page: a longer listing is read a page at a time.
_PAGE = 100
# Payments read at once when counting paid notices (point reads, 1 RU each).
_PAYMENT_READERS = 8


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
    where: ServiceMessageFilter,
    *,
    index: ServiceMessageIndex,
    services: ServiceRepository,
    payments: PaymentRepository | None = None,
) -> StatusCounts:
    """How many of the service's messages created in `where`'s period are in each status,
    how many were read, how many pushes were sent of them and, with `payments`, how many of
    their notices are paid now (a reversed payment is not; a notice sent twice counts once).

    The paid count reads one payment per notice of the period. Raises NotFoundError for an
    unknown service, StorageUnavailableError.
    """
    _known(where.service_id, services)
    counts = index.count(where)
    if payments is None:
        return counts
    notices = index.notices(where)
    with ThreadPoolExecutor(max_workers=_PAYMENT_READERS) as readers:
        found = list(readers.map(lambda notice: payments.get(*notice), notices))
    paid = sum(1 for payment in found if payment is not None and payment.is_in_force)
    return dataclasses.replace(counts, paid=paid)
