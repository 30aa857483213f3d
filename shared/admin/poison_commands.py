"""`poison list | redrive | delete`: the references the Functions host gave up on after its
retries.

Redriving puts a message back to ACCEPTED and its reference back on the queue; messages
decided meanwhile, or gone, are dropped from the poison queue; malformed ones stay there.
Deleting drops references from the poison queue for good (the messages stay FAILED).
Entries looked at and left alone are visible again at once.
"""

from __future__ import annotations

import argparse
from collections import Counter

from shared.admin.output import Report, iso, table, when
from shared.admin.parsing import MAX_LIMIT, Subcommands, queue_limit
from shared.bootstrap import App
from shared.domain.errors import FieldError, NotFoundError, ValidationError
from shared.domain.poison import PoisonedMessage
from shared.services.redrive import (
    RedriveOutcome,
    delete_poisoned,
    list_poisoned,
    redrive_poisoned,
)


def _message_id(item: PoisonedMessage) -> str:
    return item.ref.message_id if item.ref else "(malformed)"


def _list(args: argparse.Namespace, app: App) -> Report:
    poisoned = list_poisoned(poison=app.poison, limit=queue_limit(args.limit))
    items = [
        {
            "queue_message_id": item.queue_message_id,
            "message_id": item.ref.message_id if item.ref else None,
            "inserted_at": iso(item.inserted_at),
        }
        for item in poisoned
    ]
    rows = [
        [
            item.queue_message_id,
            item.ref.message_id if item.ref else "(malformed)",
            when(item.inserted_at),
        ]
        for item in poisoned
    ]
    lines = (
        [*table(["QUEUE MESSAGE", "MESSAGE", "INSERTED"], rows), f"{len(rows)} shown"]
        if rows
        else ["the poison queue is empty"]
    )
    return Report({"poisoned": items}, lines)


def _redrive(args: argparse.Namespace, app: App) -> Report:
    limit = queue_limit(args.limit)
    results = redrive_poisoned(
        poison=app.poison,
        queue=app.queue,
        messages=app.messages,
        clock=app.clock,
        limit=limit,
        message_id=args.message_id,
    )
    if args.message_id is not None and not results:
        raise NotFoundError(
            f"message {args.message_id} is not among the first {limit} poisoned messages"
        )
    summary = Counter(result.outcome for result in results)
    rows = [
        [result.queue_message_id, result.message_id or "(malformed)", result.outcome]
        for result in results
    ]
    totals = ", ".join(f"{summary[outcome]} {outcome}" for outcome in RedriveOutcome)
    lines = (
        [*table(["QUEUE MESSAGE", "MESSAGE", "OUTCOME"], rows), f"{len(rows)} handled: {totals}"]
        if rows
        else ["the poison queue is empty"]
    )
    return Report(
        {
            "results": [
                {
                    "queue_message_id": result.queue_message_id,
                    "message_id": result.message_id,
                    "outcome": result.outcome,
                }
                for result in results
            ],
            "summary": {outcome.value: summary[outcome] for outcome in RedriveOutcome},
        },
        lines,
    )


def _delete(args: argparse.Namespace, app: App) -> Report:
    limit = queue_limit(args.limit)
    chosen = [args.message_id, args.queue_message_id, args.all or None]
    errors = []
    if sum(choice is not None for choice in chosen) != 1:
        detail = "give exactly one of --message-id, --queue-message-id and --all"
        errors.append(FieldError("required", detail, "/message_id"))
    if not args.yes:
        detail = "deleting cannot be undone: confirm with --yes"
        errors.append(FieldError("required", detail, "/yes"))
    if errors:
        raise ValidationError(errors)
    deleted = delete_poisoned(
        poison=app.poison,
        limit=limit,
        message_id=args.message_id,
        queue_message_id=args.queue_message_id,
    )
    if not args.all and not deleted:
        which = args.message_id or args.queue_message_id
        raise NotFoundError(f"{which} is not among the first {limit} poisoned messages")
    rows = [[item.queue_message_id, item.message_id or "(malformed)"] for item in deleted]
    lines = (
        [*table(["QUEUE MESSAGE", "MESSAGE"], rows), f"{len(rows)} deleted"]
        if rows
        else ["the poison queue is empty"]
    )
    return Report(
        {
            "deleted": [
                {"queue_message_id": item.queue_message_id, "message_id": item.message_id}
                for item in deleted
            ]
        },
        lines,
    )


def add_poison_commands(commands: Subcommands) -> None:
    group = commands.add_parser(
        "poison",
        help="list, redrive and delete messages the host gave up on",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the first poisoned messages, left in place")
    listing.add_argument("--limit", default=str(MAX_LIMIT), help=f"1 to {MAX_LIMIT} (default)")
    listing.set_defaults(run=_list)
    redrive = actions.add_parser(
        "redrive",
        help="send poisoned messages round again",
        description="Send the first poisoned messages (or only one) round again. Outcomes: "
        "REDRIVEN (back on the queue), ALREADY_DECIDED and MISSING (dropped), MALFORMED "
        "(left in the poison queue), CHANGED (left for another try).",
    )
    redrive.add_argument("--message-id", metavar="MESSAGE_ID", help="only this message")
    redrive.add_argument("--limit", default=str(MAX_LIMIT), help=f"1 to {MAX_LIMIT} (default)")
    redrive.set_defaults(run=_redrive)
    delete = actions.add_parser(
        "delete",
        help="drop poisoned messages for good",
        description="Delete from the poison queue one reference (by message id, or by queue "
        "message id for a malformed one) or, with --all, the first --limit ones. The messages "
        "stay stored as they are (FAILED); the sender sends again if it must.",
    )
    delete.add_argument("--message-id", metavar="MESSAGE_ID", help="the reference to this message")
    delete.add_argument(
        "--queue-message-id", metavar="QUEUE_MESSAGE_ID", help="this queue message (poison list)"
    )
    delete.add_argument("--all", action="store_true", help="the first --limit poisoned messages")
    delete.add_argument("--limit", default=str(MAX_LIMIT), help=f"1 to {MAX_LIMIT} (default)")
    delete.add_argument("--yes", action="store_true", help="confirm: it cannot be undone")
    delete.set_defaults(
        run=_delete,
        field_flags={"message_id": "--message-id, --queue-message-id or --all", "yes": "--yes"},
    )
