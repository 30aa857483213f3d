"""`push list`: the reminder pushes waiting on the push queue (PUSH_QUEUE), left in place.

Without a notification hub (locally, `make run`) pushes go to this queue instead, so this is
where to see them. A push's tag is a keyed hash of the citizen's fiscal code, never the code.
"""

from __future__ import annotations

import argparse

from shared.adapters.push_payload import expiry_text
from shared.adapters.push_queue import queue_push_sender
from shared.admin.output import Report, table
from shared.admin.parsing import MAX_LIMIT, Subcommands, queue_limit
from shared.bootstrap import App


def _list(args: argparse.Namespace, app: App) -> Report:
    limit = queue_limit(args.limit)
    queue = queue_push_sender(app.settings.storage, app.settings.push_queue)
    pushes = queue.peek(limit)
    items = [
        {
            "kind": push.kind.value,
            "language": push.language,
            "message_id": push.message_id,
            "tag": push.tag,
            "collapse_key": push.collapse_key,
            "expires_at": expiry_text(push.expires_at) or None,
            "title": push.title,
            "body": push.body,
        }
        for push in pushes
    ]
    rows = [
        [
            push.kind.value,
            push.language,
            push.message_id,
            push.tag,
            expiry_text(push.expires_at) or "-",
            f"{push.title}: {push.body}",
        ]
        for push in pushes
    ]
    lines = (
        [
            *table(["KIND", "LANGUAGE", "MESSAGE", "TAG", "EXPIRES", "TEXT"], rows),
            f"{len(rows)} shown (queue {app.settings.push_queue})",
        ]
        if rows
        else [f"the push queue ({app.settings.push_queue}) is empty"]
    )
    return Report({"pushes": items}, lines)


def add_push_commands(commands: Subcommands) -> None:
    group = commands.add_parser(
        "push",
        help="list the reminder pushes on the push queue",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the first pushes on the queue, left in place")
    listing.add_argument("--limit", default=str(MAX_LIMIT), help=f"1 to {MAX_LIMIT} (default)")
    listing.set_defaults(run=_list)
