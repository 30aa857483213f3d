"""`message list` and `message stats`: a service's messages by status and date, and counts
per status for a period, from the service's index; never content or recipients."""

from __future__ import annotations

import argparse
import re

from shared.admin.output import Report, iso, table, when
from shared.admin.parsing import Subcommands
from shared.bootstrap import App
from shared.domain.errors import FieldError, StorageUnavailableError, ValidationError
from shared.domain.message import MessageStatus
from shared.domain.message_list_query import message_list_request
from shared.domain.service_messages import ServiceMessageEntry, ServiceMessageFilter
from shared.services.ports import ServiceMessageIndex
from shared.services.service_message_report import service_message_counts, service_messages

MAX_LIST_LIMIT = 1000
DEFAULT_LIST_LIMIT = 50
# The flags of the listing's filters, by the query parameter each stands for.
FILTER_FLAGS = {
    "status": "--status",
    "reference": "--reference",
    "created_from": "--from",
    "created_to": "--to",
    "limit": "--limit",
}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _moment(text: str | None) -> str | None:
    # A bare date is its first instant, in UTC.
    return f"{text}T00:00:00Z" if text is not None and _DATE.fullmatch(text) else text


def _filter(args: argparse.Namespace) -> ServiceMessageFilter:
    """The filter the flags ask for. Raises ValidationError naming each bad flag."""
    given = {
        "status": getattr(args, "status", None),
        "reference": getattr(args, "reference", None),
        "created_from": _moment(args.created_from),
        "created_to": _moment(args.created_to),
    }
    try:
        request = message_list_request(
            args.service_id, {name: value for name, value in given.items() if value is not None}
        )
    except ValidationError as invalid:
        # The query's pointers (/query/created_from) become the flags' (--from).
        raise ValidationError(
            [
                FieldError(error.code, error.detail, error.pointer.removeprefix("/query"))
                for error in invalid.errors
            ]
        ) from None
    return request.filter


def _limit(text: str) -> int:
    if re.fullmatch(r"[0-9]{1,4}", text.strip()) and 1 <= int(text) <= MAX_LIST_LIMIT:
        return int(text)
    detail = f"{text!r} is not a whole number from 1 to {MAX_LIST_LIMIT}"
    raise ValidationError([FieldError("out_of_range", detail, "/limit")])


def _index(app: App) -> ServiceMessageIndex:
    if app.message_index is None:
        raise StorageUnavailableError("the index of services' messages is not configured")
    return app.message_index


def _entry_json(entry: ServiceMessageEntry) -> dict[str, object]:
    return {
        "message_id": entry.id,
        "created_at": iso(entry.created_at),
        "status": entry.status.value,
        "status_changed_at": iso(entry.status_changed_at),
        "rejection_reason": entry.rejection_reason,
        "reference": entry.reference,
        "read": entry.read,
    }


def _list(args: argparse.Namespace, app: App) -> Report:
    errors: list[FieldError] = []
    try:
        limit = _limit(args.limit)
    except ValidationError as invalid:
        errors += invalid.errors
    try:
        where = _filter(args)
    except ValidationError as invalid:
        errors += invalid.errors
    if errors:
        raise ValidationError(errors)  # every bad flag at once
    entries = service_messages(where, limit, index=_index(app), services=app.services)
    rows = [
        [
            entry.id,
            when(entry.created_at),
            entry.status.value + (f" ({entry.rejection_reason})" if entry.rejection_reason else ""),
            entry.reference or "",
        ]
        for entry in entries
    ]
    more = " (the limit; narrow the filters or raise --limit)" if len(entries) == limit else ""
    return Report(
        {"service_id": args.service_id, "messages": [_entry_json(entry) for entry in entries]},
        [
            *table(["MESSAGE ID", "CREATED", "STATUS", "REFERENCE"], rows),
            f"{len(entries)} message(s){more}",
        ],
    )


def _stats(args: argparse.Namespace, app: App) -> Report:
    where = _filter(args)
    counts = service_message_counts(
        where, index=_index(app), services=app.services, payments=app.payments
    )
    by_status = {status.value: counts.by_status.get(status, 0) for status in MessageStatus}
    data: dict[str, object] = {
        "service_id": args.service_id,
        "from": iso(where.created_from),
        "to": iso(where.created_to),
        "sent": counts.sent,
        "by_status": by_status,
        "read": counts.read,
        "paid": counts.paid,
        "pushes": counts.pushes,
    }
    period = f"{when(where.created_from)} to {when(where.created_to)}"
    rows = [[status, str(count)] for status, count in by_status.items()]
    return Report(
        data,
        [
            f"service {args.service_id}, messages created {period}",
            f"  sent (accepted): {counts.sent}",
            *(f"  {line}" for line in table(["STATUS", "MESSAGES"], rows)),
            f"  read: {counts.read}",
            f"  paid (notices paid now): {counts.paid}",
            f"  pushes (new-message and reminders): {counts.pushes}",
        ],
    )


def _period_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("service_id", metavar="SERVICE_ID")
    parser.add_argument(
        "--from",
        dest="created_from",
        metavar="DATE",
        help="created at or after (YYYY-MM-DD, UTC, or RFC 3339)",
    )
    parser.add_argument(
        "--to", dest="created_to", metavar="DATE", help="created before (as --from; excluded)"
    )


def add_message_report_commands(actions: Subcommands) -> None:
    """Add `list` and `stats` to the `message` command's actions."""
    listing = actions.add_parser(
        "list",
        help="a service's messages, newest first, by status and date",
        description="A service's messages from its index, newest first: id, creation, status "
        "and reference; never content or recipients.",
    )
    _period_flags(listing)
    listing.add_argument("--status", choices=[status.value for status in MessageStatus])
    listing.add_argument("--reference", metavar="REFERENCE", help="exactly this reference")
    listing.add_argument(
        "--limit",
        default=str(DEFAULT_LIST_LIMIT),
        metavar="N",
        help=f"at most N messages (1 to {MAX_LIST_LIMIT}, default {DEFAULT_LIST_LIMIT})",
    )
    listing.set_defaults(run=_list, field_flags=FILTER_FLAGS)
    stats = actions.add_parser(
        "stats",
        help="a service's messages per status, read, paid and pushes, for a period",
        description="Counts of a service's messages created in a period, per status, and how "
        "many were read, how many pushes were sent of them (from its index), and how many "
        "of their payment notices are paid now (one payment read per notice).",
    )
    _period_flags(stats)
    stats.set_defaults(run=_stats, field_flags=FILTER_FLAGS)
