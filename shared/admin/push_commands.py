"""`push list`: the pushes (reminders and new messages) waiting on the push queue
(PUSH_QUEUE), left in place.

Without a notification hub (locally, `make run`) pushes go to this queue instead, so this is
where to see them. A push's tag is a keyed hash of the citizen's fiscal code, never the code:
`--fiscal-code` shows one citizen's pushes by computing that tag, so it needs the app's
CITIZEN_HASH_KEY (the only command that does); the code itself is never printed. A
new-message push of a citizen who chose FULL content shows the service's name and the
subject, as their phone will.
"""

from __future__ import annotations

import argparse

from shared.adapters.push_payload import expiry_text
from shared.adapters.push_queue import queue_push_sender
from shared.admin.output import Report, table
from shared.admin.parsing import MAX_LIMIT, Subcommands, queue_limit
from shared.bootstrap import App
from shared.config import SettingName
from shared.domain.citizen_hash import push_tag
from shared.domain.fiscal_code import require_valid_fiscal_code


def _secrets_used(args: argparse.Namespace) -> frozenset[SettingName]:
    return frozenset({SettingName.CITIZEN_HASH_KEY}) if args.fiscal_code else frozenset()


def _list(args: argparse.Namespace, app: App) -> Report:
    limit = queue_limit(args.limit)
    tag = None
    if args.fiscal_code is not None:
        require_valid_fiscal_code(args.fiscal_code)
        tag = push_tag(args.fiscal_code, app.settings.citizen_hash_key)
    queue = queue_push_sender(app.settings.storage, app.settings.push_queue)
    pushes = [push for push in queue.peek(limit) if tag is None or push.tag == tag]
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
    whose = "" if tag is None else f" for tag {tag}, among the first {limit} on the queue"
    lines = (
        [
            *table(["KIND", "LANGUAGE", "MESSAGE", "TAG", "EXPIRES", "TEXT"], rows),
            f"{len(rows)} shown{whose} (queue {app.settings.push_queue})",
        ]
        if rows
        else [
            f"no push{whose} (queue {app.settings.push_queue})"
            if tag
            else f"the push queue ({app.settings.push_queue}) is empty"
        ]
    )
    return Report({"pushes": items}, lines)


def add_push_commands(commands: Subcommands) -> None:
    group = commands.add_parser(
        "push",
        help="list the pushes on the push queue",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the first pushes on the queue, left in place")
    listing.add_argument("--limit", default=str(MAX_LIMIT), help=f"1 to {MAX_LIMIT} (default)")
    listing.add_argument(
        "--fiscal-code",
        metavar="FISCAL_CODE",
        help="only this citizen's pushes (needs CITIZEN_HASH_KEY to compute their tag)",
    )
    listing.set_defaults(
        run=_list,
        secrets_used=_secrets_used,
        field_flags={"fiscal_code": "--fiscal-code"},
    )
