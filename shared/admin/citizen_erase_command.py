"""`citizen erase`: a GDPR erasure of everything Postino holds about one citizen.

Prints what was deleted and the audit record's id, never the fiscal code. Needs
CITIZEN_HASH_KEY: the audit record names the citizen by the keyed hash of the code.
"""

from __future__ import annotations

import argparse

from shared.admin.output import Report, iso, when
from shared.admin.parsing import Subcommands
from shared.bootstrap import App
from shared.config import SettingName
from shared.domain.erasure import ErasedKind, ErasureRecord
from shared.domain.errors import FieldError, ValidationError
from shared.domain.fiscal_code import fiscal_code_errors
from shared.services.citizen_erasure import ErasurePorts, erase_citizen

ERASE_HELP = """\
Deletes the citizen's profile, messages (with their read and received marks), attachments,
reminder schedule entries and claims, notice watches and the Idempotency-Key records naming
them; keeps payments (facts of the payee's, holding no fiscal code of the citizen). Writes
an audit record in `erasures` (a keyed hash of the fiscal code, the ticket, counts, times).
Interrupted, run it again: it finishes the work (each run has its own audit record).
A message accepted while it runs is rejected (no profile any more) and kept as rejected
messages are: run it again to delete it too.
"""

_FLAGS = {"fiscal_code": "--fiscal-code", "ticket": "--ticket", "yes": "--yes"}


def _secrets(args: argparse.Namespace) -> frozenset[SettingName]:
    return frozenset({SettingName.CITIZEN_HASH_KEY})


def _erasure_json(record: ErasureRecord) -> dict[str, object]:
    return {
        "erasure_id": record.id,
        "ticket": record.ticket,
        "requested_at": iso(record.requested_at),
        "completed_at": iso(record.completed_at),
        "counts": {kind.value: record.counts.get(kind, 0) for kind in ErasedKind},
    }


def _erase(args: argparse.Namespace, app: App) -> Report:
    errors = fiscal_code_errors(args.fiscal_code)
    if not args.yes:
        errors.append(
            FieldError("required", "erasure cannot be undone: confirm with --yes", "/yes")
        )
    if errors:
        raise ValidationError(errors)
    if app.erasures is None:
        raise RuntimeError("the app was built without an erasure log")
    ports = ErasurePorts(
        messages=app.messages,
        attachments=app.attachments,
        schedule=app.schedule,
        claims=app.claims,
        watches=app.watches,
        idempotency=app.idempotency,
        profiles=app.profiles,
        log=app.erasures,
        clock=app.clock,
        policy=app.reminder_policy,
        index=app.message_index,
    )
    record = erase_citizen(
        args.fiscal_code,
        ticket=args.ticket,
        hash_key=app.settings.citizen_hash_key,
        ports=ports,
    )
    lines = [
        f"citizen erased (ticket {record.ticket}, audit record {record.id})",
        *(f"  {kind.value + ':':27} {record.counts.get(kind, 0)}" for kind in ErasedKind),
        f"  completed:                  {when(record.completed_at)}",
    ]
    return Report(_erasure_json(record), lines)


def add_erase_action(actions: Subcommands) -> None:
    erase = actions.add_parser(
        "erase",
        help="erase everything held about a citizen (GDPR); needs CITIZEN_HASH_KEY",
        description=ERASE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    erase.add_argument("--fiscal-code", required=True, metavar="FISCAL_CODE")
    erase.add_argument(
        "--ticket", required=True, metavar="REF", help="the request's reference, kept"
    )
    erase.add_argument("--yes", action="store_true", help="confirm: it cannot be undone")
    erase.set_defaults(run=_erase, secrets_used=_secrets, field_flags=_FLAGS)
