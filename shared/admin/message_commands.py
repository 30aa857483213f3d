"""`message show`: where a message is and how it got there, never its content or recipient;
`message list` and `stats`: a service's messages (shared.admin.message_report_commands)."""

from __future__ import annotations

import argparse

from shared.admin.message_report_commands import add_message_report_commands
from shared.admin.output import Report, iso, table, when
from shared.admin.parsing import Subcommands
from shared.bootstrap import App
from shared.services.message_history import MessageHistory, message_history


def _history_json(history: MessageHistory) -> dict[str, object]:
    return {
        "message_id": history.message_id,
        "sender_service_id": history.sender_service_id,
        "created_at": iso(history.created_at),
        "status": history.status,
        "status_changed_at": iso(history.status_changed_at),
        "rejection_reason": history.rejection_reason,
        "failure_reason": history.failure_reason,
        "redeliveries": history.redeliveries,
        "history": [
            {"status": change.status, "at": iso(change.at), "reason": change.reason}
            for change in history.changes
        ],
    }


def _history_lines(history: MessageHistory) -> list[str]:
    reason = history.rejection_reason or history.failure_reason
    status = f"{history.status}" + (f" ({reason})" if reason else "")
    rows = [[when(change.at), change.status, change.reason or ""] for change in history.changes]
    return [
        f"message {history.message_id}",
        f"  sender service:  {history.sender_service_id}",
        f"  created:         {when(history.created_at)}",
        f"  status:          {status} since {when(history.status_changed_at)}",
        f"  redeliveries:    {history.redeliveries}",
        "",
        *table(["AT", "STATUS", "REASON"], rows),
    ]


def _show(args: argparse.Namespace, app: App) -> Report:
    history = message_history(args.message_id, fiscal_code=args.fiscal_code, messages=app.messages)
    return Report(_history_json(history), _history_lines(history))


def add_message_commands(commands: Subcommands) -> None:
    group = commands.add_parser("message", help="follow a message through its statuses")
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = actions.add_parser(
        "show",
        help="a message's status and status history (not its content)",
        description="A message's status, its history (status, time, reason), its sender and "
        "redeliveries; never its content or its recipient's fiscal code.",
    )
    show.add_argument("message_id", metavar="MESSAGE_ID")
    show.add_argument(
        "--fiscal-code",
        metavar="FISCAL_CODE",
        help="the recipient, for a direct read; without it every partition is searched",
    )
    show.set_defaults(run=_show, field_flags={"fiscal_code": "--fiscal-code"})
    add_message_report_commands(actions)
