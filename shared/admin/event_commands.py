"""`events dead | replay`: a service's status callbacks given up on, and sending them again.

A callback is given up on when its receiver refused it for good (a 4xx other than 408 and
429, a redirect) or kept failing for 24 hours. Replaying puts it back in its message's outbox
under its own id (receivers that dedupe by id see it once) with a new 24-hour deadline.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

from shared.admin.output import Report, iso, table, when
from shared.admin.parsing import Subcommands
from shared.bootstrap import App
from shared.domain.errors import FieldError, NotFoundError, ValidationError
from shared.services.replay_events import ReplayOutcome, list_dead_events, replay_dead_events

MAX_DEAD_LIMIT = 500


def dead_limit(text: str) -> int:
    """A --limit of dead events: 1 to MAX_DEAD_LIMIT. Raises ValidationError at /limit."""
    if re.fullmatch(r"[0-9]{1,3}", text.strip()) and 1 <= int(text) <= MAX_DEAD_LIMIT:
        return int(text)
    detail = f"{text!r} is not a whole number from 1 to {MAX_DEAD_LIMIT}"
    raise ValidationError([FieldError("out_of_range", detail, "/limit")])


def _dead(args: argparse.Namespace, app: App) -> Report:
    found = list_dead_events(
        args.service_id, dead_events=app.dead_events, limit=dead_limit(args.limit)
    )
    items = [
        {
            "event_id": dead.id,
            "type": dead.type.value,
            "message_id": dead.message_id,
            "occurred_at": iso(dead.occurred_at),
            "dead_at": iso(dead.dead_at),
            "attempts": dead.attempts,
            "last_error": dead.last_error,
        }
        for dead in found
    ]
    rows = [
        [dead.id, dead.type.value, dead.message_id, when(dead.dead_at), dead.last_error or ""]
        for dead in found
    ]
    lines = (
        [*table(["EVENT", "TYPE", "MESSAGE", "GIVEN UP", "LAST ERROR"], rows), f"{len(rows)} shown"]
        if rows
        else [f"service {args.service_id} has no dead events"]
    )
    return Report({"dead_events": items}, lines)


def _replay(args: argparse.Namespace, app: App) -> Report:
    results = replay_dead_events(
        args.service_id,
        dead_events=app.dead_events,
        messages=app.messages,
        queue=app.events,
        clock=app.clock,
        limit=dead_limit(args.limit),
        event_id=args.event_id,
        timing=app.event_timing,
    )
    if args.event_id is not None and not results:
        raise NotFoundError(f"service {args.service_id} has no dead event {args.event_id}")
    summary = Counter(result.outcome for result in results)
    rows = [[result.event_id, result.message_id, result.outcome] for result in results]
    totals = ", ".join(f"{summary[outcome]} {outcome}" for outcome in ReplayOutcome)
    lines = (
        [*table(["EVENT", "MESSAGE", "OUTCOME"], rows), f"{len(rows)} handled: {totals}"]
        if rows
        else [f"service {args.service_id} has no dead events"]
    )
    return Report(
        {
            "results": [
                {
                    "event_id": result.event_id,
                    "message_id": result.message_id,
                    "outcome": result.outcome.value,
                }
                for result in results
            ],
            "summary": {outcome.value: summary[outcome] for outcome in ReplayOutcome},
        },
        lines,
    )


def add_event_commands(commands: Subcommands) -> None:
    group = commands.add_parser(
        "events",
        help="a service's dead status callbacks, and replaying them",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    dead = actions.add_parser("dead", help="the service's callbacks given up on, oldest first")
    dead.add_argument("service_id", metavar="SERVICE_ID")
    dead.add_argument("--limit", default="100", help=f"1 to {MAX_DEAD_LIMIT} (default 100)")
    dead.set_defaults(run=_dead)
    replay = actions.add_parser(
        "replay",
        help="send the service's dead callbacks again",
        description="Put the service's dead callbacks (or only one) back in their messages' "
        "outboxes. Outcomes: REPLAYED, MESSAGE_GONE (its message expired: dropped), CHANGED "
        "(left dead for another try).",
    )
    replay.add_argument("service_id", metavar="SERVICE_ID")
    replay.add_argument("--event-id", metavar="EVENT_ID", help="only this event")
    replay.add_argument("--limit", default="100", help=f"1 to {MAX_DEAD_LIMIT} (default 100)")
    replay.set_defaults(run=_replay)
