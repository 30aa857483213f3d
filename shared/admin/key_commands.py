"""`key issue | rotate | revoke`: a service's PRIMARY and SECONDARY API keys.

To replace a key without downtime: rotate the slot the clients do not use, move them to
the new key, then rotate (or revoke) the other slot. With --test, the same for the
service's test keys, in slots of their own: a test key writes only to the sandbox fiscal
codes and never reaches a citizen (README, "Test keys and the sandbox").
"""

from __future__ import annotations

import argparse

from shared.admin.output import Report, cache_note
from shared.admin.parsing import Subcommands
from shared.bootstrap import App
from shared.domain.api_keys import KeyKind, KeySlot
from shared.domain.errors import FieldError, ValidationError
from shared.services.service_admin import (
    IssuedKey,
    issue_key,
    revoke_key,
    rotate_key,
    slot_label,
)

SHOWN_ONCE = "The key is shown only now; Postino stores only its hash. It works at once."
TEST_KEY_NOTE = (
    'It is a test key: it sends only to the sandbox fiscal codes (README, "Test keys and '
    'the sandbox"), and its messages never reach a citizen.'
)


def _slot(text: str) -> KeySlot:
    try:
        return KeySlot(text.strip().upper())
    except ValueError:
        choices = ", ".join(slot.value for slot in KeySlot)
        detail = f"{text!r} is not one of {choices}"
        raise ValidationError([FieldError("invalid_choice", detail, "/slot")]) from None


def _kind(args: argparse.Namespace) -> KeyKind:
    return KeyKind.TEST if args.test else KeyKind.LIVE


def _issued(issued: IssuedKey, notes: list[str], data: dict[str, object]) -> Report:
    label = slot_label(issued.slot, issued.kind)
    return Report(
        data={
            "service_id": issued.service_id,
            "slot": issued.slot,
            "kind": issued.kind,
            "key": issued.key,
            **data,
        },
        lines=[f"new {label} key for service {issued.service_id}: {issued.key}", *notes],
    )


def _issue(args: argparse.Namespace, app: App) -> Report:
    issued = issue_key(
        args.service_id,
        _slot(args.slot),
        services=app.services,
        api_keys=app.api_keys,
        kind=_kind(args),
        clock=app.clock,
    )
    notes = [SHOWN_ONCE]
    if issued.kind is KeyKind.TEST:
        notes.append(TEST_KEY_NOTE)
    return _issued(issued, notes, {})


def _rotate(args: argparse.Namespace, app: App) -> Report:
    slot = _slot(args.slot)
    kind = _kind(args)
    issued = rotate_key(
        args.service_id,
        slot,
        services=app.services,
        api_keys=app.api_keys,
        kind=kind,
        clock=app.clock,
    )
    ttl = app.settings.service_cache_ttl_seconds
    other = KeySlot.SECONDARY if slot is KeySlot.PRIMARY else KeySlot.PRIMARY
    notes = [
        SHOWN_ONCE,
        f"The old {slot_label(slot, kind)} key stops working {cache_note(ttl)}; "
        f"the {slot_label(other, kind)} key is unchanged.",
    ]
    return _issued(issued, notes, {"old_key_stops_working_within_seconds": ttl})


def _revoke(args: argparse.Namespace, app: App) -> Report:
    revoked = revoke_key(
        args.service_id,
        _slot(args.slot),
        services=app.services,
        api_keys=app.api_keys,
        kind=_kind(args),
    )
    ttl = app.settings.service_cache_ttl_seconds
    lines = [
        f"{slot_label(revoked.slot, revoked.kind)} key of service {revoked.service_id} "
        f"revoked: it stops working {cache_note(ttl)}."
    ]
    if not revoked.slots_left and revoked.kind is KeyKind.LIVE:
        lines.append(
            "warning: the service has no key left and cannot call the API until one is issued."
        )
    return Report(
        data={
            "service_id": revoked.service_id,
            "slot": revoked.slot,
            "kind": revoked.kind,
            "stops_working_within_seconds": ttl,
            "slots_left": sorted(revoked.slots_left),
        },
        lines=lines,
    )


def add_key_commands(commands: Subcommands) -> None:
    group = commands.add_parser(
        "key",
        help="issue, rotate and revoke a service's keys",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    commands_help = {
        "issue": (_issue, "a new key in an empty slot (fails if the slot has a key)"),
        "rotate": (
            _rotate,
            "a new key for the slot; its old key stops working within "
            "SERVICE_CACHE_TTL_SECONDS, the other slot keeps working",
        ),
        "revoke": (
            _revoke,
            "remove the slot's key; it stops working within SERVICE_CACHE_TTL_SECONDS",
        ),
    }
    for name, (run, help_text) in commands_help.items():
        action = actions.add_parser(
            name, help=help_text, description=help_text[0].upper() + help_text[1:] + "."
        )
        action.add_argument("service_id", metavar="SERVICE_ID")
        action.add_argument("--slot", required=True, metavar="PRIMARY|SECONDARY")
        action.add_argument(
            "--test",
            action="store_true",
            help="the slot of a test key: it writes only to the sandbox fiscal codes",
        )
        action.set_defaults(run=run)
