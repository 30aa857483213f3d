"""The operator CLI: `python -m shared.admin [--json] COMMAND ACTION ...`.

Settings come from the environment; when COSMOS_ENDPOINT is not set they are read from
local.settings.json (or the committed sample), as the local host does, or from --settings.
Against Azure, give the storage service URIs (AzureWebJobsStorage__blobServiceUri and
__queueServiceUri) and COSMOS_ENDPOINT without keys: the CLI then signs in as the Azure CLI
user (`az login`), who needs the same data roles as the app. A secret is read only by the
commands that use it (command_settings.py): CITIZEN_HASH_KEY by `push list --fiscal-code` and
`citizen erase`, CALLBACK_SECRETS_KEY by `service callback set` and `rotate`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from shared.admin.citizen_commands import add_citizen_commands
from shared.admin.command_settings import command_settings, secrets_used
from shared.admin.event_commands import add_event_commands
from shared.admin.key_commands import add_key_commands
from shared.admin.local_settings import SettingsFileError, load_local_settings
from shared.admin.message_commands import add_message_commands
from shared.admin.output import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    Report,
    emit,
    fail,
    field_error_details,
)
from shared.admin.parsing import CliParser, UsageError
from shared.admin.poison_commands import add_poison_commands
from shared.admin.push_commands import add_push_commands
from shared.admin.service_commands import add_service_commands
from shared.bootstrap import App, build_app
from shared.config import InvalidSettingError, MissingSettingError
from shared.domain.errors import PostinoError, ValidationError

EPILOG = """\
commands:
  service create|list|show|update   services and their settings
  service disable|enable|delete     suspend a service (403 to its keys), or delete it
  service callback set|rotate|retire|remove
                                    a service's status callback and its signing secrets
  key issue|rotate|revoke           a service's PRIMARY and SECONDARY keys
  citizen register|update|show      citizens' profiles and preferences
  citizen erase                     a GDPR erasure of everything held about a citizen
  message show                      a message's status history
  message list|stats                a service's messages by status and date; counts per status
  poison list|redrive|delete        messages the host gave up on
  push list                         pushes on the push queue (no hub locally)
  events dead|replay                a service's status callbacks given up on
Each has its own --help.

secrets: a command reads only those it uses; CITIZEN_HASH_KEY only push list --fiscal-code
  and citizen erase, CALLBACK_SECRETS_KEY only service callback set and rotate.

output: text for people; with --json (anywhere on the line), one JSON document on stdout,
  {"error": ..., "errors": [...]} on failure.
exit codes:
  0  done
  1  failed: unknown service, citizen or message, a service id or key slot already taken,
     a key slot empty, no callback or two callback secrets already, a citizen already
     registered, storage unreachable
  2  bad input: a bad flag or value (every one is named), missing settings; nothing changed
"""

Command = Callable[[argparse.Namespace, App], Report]


def _parser() -> argparse.ArgumentParser:
    parser = CliParser(
        prog="python -m shared.admin",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.add_argument(
        "--settings", type=Path, metavar="FILE", help="a local.settings.json to read"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add_commands in (
        add_service_commands,
        add_key_commands,
        add_citizen_commands,
        add_message_commands,
        add_poison_commands,
        add_push_commands,
        add_event_commands,
    ):
        add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (0 done, 1 failed, 2 bad input)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    # --json is a bare flag: taken from anywhere on the line, so scripts may append it.
    as_json = "--json" in arguments
    try:
        args = _parser().parse_args([argument for argument in arguments if argument != "--json"])
    except UsageError as exc:
        return fail(str(exc), as_json=as_json, code=EXIT_BAD_INPUT)
    try:
        load_local_settings(args.settings)
        name = getattr(args, "command_name", None) or f"{args.command} {args.action}"
        settings = command_settings(os.environ, command=name, secrets=secrets_used(args))
        app = build_app(settings)
        command: Command = args.run
        report = command(args, app)
    except (SettingsFileError, MissingSettingError, InvalidSettingError) as exc:
        return fail(str(exc), as_json=as_json, code=EXIT_BAD_INPUT)
    except ValidationError as exc:
        details = field_error_details(exc.errors, getattr(args, "field_flags", None))
        return fail("invalid input", as_json=as_json, code=EXIT_BAD_INPUT, details=details)
    except PostinoError as exc:
        return fail(str(exc), as_json=as_json, code=EXIT_FAILED)
    emit(report, as_json=as_json)
    return EXIT_OK
