"""`service disable | enable | delete`: suspend a service, or end it.

What each leaves behind is in shared/services/service_lifecycle.py; the texts here say it to
the operator.
"""

from __future__ import annotations

import argparse

from shared.admin.output import Report, cache_note, iso, when
from shared.admin.parsing import Subcommands
from shared.bootstrap import App
from shared.domain.errors import FieldError, ValidationError
from shared.services.service_lifecycle import delete_service, disable_service, enable_service

DELETION_EFFECTS = [
    "its keys were deleted: they answer 401, as unknown keys do",
    "its messages stay in the citizens' inboxes as sent, with their statuses",
    "its pending status callbacks are dropped, and no reminder goes for its messages",
    "its id is never given to another service",
]


def _disable(args: argparse.Namespace, app: App) -> Report:
    service = disable_service(args.service_id, services=app.services, clock=app.clock)
    ttl = app.settings.service_cache_ttl_seconds
    return Report(
        data={
            "service_id": service.id,
            "disabled_at": iso(service.disabled_at),
            "takes_effect_within_seconds": ttl,
        },
        lines=[
            f"service {service.id} disabled since {when(service.disabled_at)}: its keys get "
            f"403 service-disabled {cache_note(ttl)}.",
            "Nothing was deleted; `service enable` undoes it.",
        ],
    )


def _enable(args: argparse.Namespace, app: App) -> Report:
    service = enable_service(args.service_id, services=app.services)
    ttl = app.settings.service_cache_ttl_seconds
    return Report(
        data={"service_id": service.id, "disabled_at": None, "takes_effect_within_seconds": ttl},
        lines=[f"service {service.id} enabled: its keys work again {cache_note(ttl)}."],
    )


def _delete(args: argparse.Namespace, app: App) -> Report:
    if not args.yes:
        detail = "deleting a service cannot be undone: add --yes to confirm"
        raise ValidationError([FieldError("required", detail, "/yes")])
    deleted = delete_service(args.service_id, services=app.services, api_keys=app.api_keys)
    ttl = app.settings.service_cache_ttl_seconds
    return Report(
        data={
            "service_id": deleted.service.id,
            "keys_deleted": deleted.keys_deleted,
            "takes_effect_within_seconds": ttl,
            "effects": DELETION_EFFECTS,
        },
        lines=[
            f"service {deleted.service.id} deleted with {deleted.keys_deleted} key(s); "
            f"workers notice {cache_note(ttl)}:",
            *(f"  - {effect}" for effect in DELETION_EFFECTS),
        ],
    )


def add_lifecycle_actions(actions: Subcommands) -> None:
    """Add disable, enable and delete to the `service` command's actions."""
    disable = actions.add_parser(
        "disable",
        help="refuse the service's keys (403 service-disabled); nothing is deleted",
        description="Refuse the service's keys on every institution route with 403 "
        "service-disabled, within SERVICE_CACHE_TTL_SECONDS. Its keys, settings and messages "
        "stay; messages it already sent are still delivered and reported to its callback.",
    )
    enable = actions.add_parser(
        "enable", help="accept a disabled service's keys again", description="Undo a disable."
    )
    delete = actions.add_parser(
        "delete",
        help="delete the service and its keys (its messages stay with the citizens)",
        description="Delete the service's keys (they answer 401) and the service. Its "
        "messages stay in the citizens' inboxes as sent, with their statuses; its pending "
        "status callbacks are dropped. Cannot be undone: needs --yes.",
    )
    delete.add_argument("--yes", action="store_true", help="confirm the deletion")
    for parser, run in ((disable, _disable), (enable, _enable), (delete, _delete)):
        parser.add_argument("service_id", metavar="SERVICE_ID")
        parser.set_defaults(run=run, field_flags={"yes": "--yes"})
