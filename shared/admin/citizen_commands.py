"""`citizen register | update | show | erase`: citizens' profiles and preferences, and
their erasure (citizen_erase_command.py).

The fiscal code is read from the command line but never printed back.
"""

from __future__ import annotations

import argparse
from typing import Any

from shared.admin.citizen_erase_command import add_erase_action
from shared.admin.output import Report
from shared.admin.parsing import Subcommands
from shared.bootstrap import App
from shared.domain.errors import ValidationError
from shared.domain.profile import PreferenceMode, Profile, PushContent
from shared.domain.profile_change import ProfileChange, parse_profile_change
from shared.domain.profile_update import profile_document
from shared.services.citizen_admin import (
    citizen_input_errors,
    read_profile,
    register_profile,
    update_profile,
)

PREFERENCES_HELP = """\
preference modes (IO's):
  AUTO    every service may write, unless the citizen turned it off (the default)
  MANUAL  no service may write, unless the citizen turned it on
  LEGACY  every service may write, except those on the citizen's block list

--allow / --block SERVICE_ID, in the profile's mode (after --mode, if given):
  AUTO, MANUAL  turn the service on / off for this citizen
  LEGACY        take the service off / put it on the block list
Changing the mode keeps the services the citizen turned off (or blocked) refused.

new-message pushes (one push when a message reaches the inbox):
  --new-message-pushes on|off    whether they are sent (default: on)
  --push-content anonymous|full  what they show: a fixed text in the citizen's language
                                 (the default), or the service's name and the subject

  --reminders enabled|disabled   reminder pushes from Premium services (default: disabled)
  --share-read-status on|off     whether senders see that a message was read (default: on)

JSON output uses the citizen API's names (docs/openapi-internal.yaml), less the fiscal code.
"""

_MODE_MEANING = {
    PreferenceMode.AUTO: "every service may write unless turned off",
    PreferenceMode.MANUAL: "no service may write unless turned on",
    PreferenceMode.LEGACY: "every service may write unless blocked",
}
_CONTENT_MEANING = {
    PushContent.ANONYMOUS: "a fixed text",
    PushContent.FULL: "the service's name and the subject",
}


def _change(args: argparse.Namespace, app: App) -> ProfileChange:
    try:
        return parse_profile_change(
            inbox_enabled=args.inbox_enabled,
            preferred_languages=args.languages,
            preference_mode=args.mode,
            allow=args.allow,
            block=args.block,
            new_message_pushes=args.new_message_pushes,
            push_content=args.push_content,
            reminders=args.reminders,
            share_read_status=args.share_read_status,
        )
    except ValidationError as exc:
        # Every bad value at once: the fiscal code and unknown services with the flags.
        more = citizen_input_errors(
            args.fiscal_code, allow=args.allow, block=args.block, services=app.services
        )
        seen = {error.pointer for error in exc.errors}
        extra = [error for error in more if error.pointer not in seen]
        raise ValidationError(extra + exc.errors) from None


def profile_json(profile: Profile) -> dict[str, Any]:
    """The profile under the citizen API's names, without the fiscal code (never printed)."""
    document = profile_document(profile)
    del document["fiscal_code"]
    return document


def _profile_lines(headline: str, profile: Profile) -> list[str]:
    mode = profile.preference_mode
    lines = [
        headline,
        f"  inbox:       {'enabled' if profile.inbox_enabled else 'disabled'}",
        f"  languages:   {', '.join(profile.preferred_languages)}",
        f"  mode:        {mode} ({_MODE_MEANING[mode]})",
    ]
    if mode is PreferenceMode.LEGACY:
        lines.append(f"  blocked:     {', '.join(sorted(profile.blocked_service_ids)) or 'none'}")
    else:
        choices = sorted(profile.service_preferences.items())
        turned_on = [service_id for service_id, may in choices if may]
        turned_off = [service_id for service_id, may in choices if not may]
        lines.append(f"  turned on:   {', '.join(turned_on) or 'none'}")
        lines.append(f"  turned off:  {', '.join(turned_off) or 'none'}")
    content = profile.push_content
    lines.append(f"  pushes:      {'on' if profile.new_message_pushes else 'off'} for new messages")
    lines.append(f"  push text:   {content} ({_CONTENT_MEANING[content]})")
    lines.append(f"  reminders:   {profile.reminders.value.lower()}")
    shared = "shared with senders" if profile.share_read_status else "not shared"
    lines.append(f"  read status: {shared}")
    return lines


def _register(args: argparse.Namespace, app: App) -> Report:
    profile = register_profile(
        args.fiscal_code,
        _change(args, app),
        profiles=app.profiles,
        services=app.services,
        replace=args.replace,
    )
    headline = "citizen profile replaced" if args.replace else "citizen registered"
    return Report(profile_json(profile), _profile_lines(headline, profile))


def _update(args: argparse.Namespace, app: App) -> Report:
    profile = update_profile(
        args.fiscal_code, _change(args, app), profiles=app.profiles, services=app.services
    )
    return Report(profile_json(profile), _profile_lines("citizen profile changed", profile))


def _show(args: argparse.Namespace, app: App) -> Report:
    profile = read_profile(args.fiscal_code, profiles=app.profiles)
    return Report(profile_json(profile), _profile_lines("citizen profile", profile))


def _add_profile_flags(parser: argparse.ArgumentParser, *, updating: bool) -> None:
    inbox = parser.add_mutually_exclusive_group()
    inbox.add_argument(
        "--inbox-enabled",
        dest="inbox_enabled",
        action="store_const",
        const=True,
        help="messages reach the citizen's inbox" + ("" if updating else " (the default)"),
    )
    inbox.add_argument(
        "--inbox-disabled",
        dest="inbox_enabled",
        action="store_const",
        const=False,
        help="every message to the citizen is rejected",
    )
    parser.add_argument(
        "--language",
        dest="languages",
        action="append",
        metavar="LANGUAGE",
        help="a preferred language such as it_IT (repeatable; "
        + ("replaces the list)" if updating else "default: it_IT)"),
    )
    parser.add_argument(
        "--mode",
        metavar="AUTO|MANUAL|LEGACY",
        help="the preference mode" + ("" if updating else " (default: AUTO)"),
    )
    parser.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="SERVICE_ID",
        help="let this service write to the citizen (repeatable; see below)",
    )
    parser.add_argument(
        "--block",
        action="append",
        default=[],
        metavar="SERVICE_ID",
        help="refuse this service's messages (repeatable; see below)",
    )
    parser.add_argument(
        "--new-message-pushes",
        metavar="on|off",
        help="a push when a message reaches the inbox" + ("" if updating else " (default: on)"),
    )
    parser.add_argument(
        "--push-content",
        metavar="anonymous|full",
        help="what that push shows (see below)" + ("" if updating else "; default: anonymous"),
    )
    parser.add_argument(
        "--reminders",
        metavar="enabled|disabled",
        help="reminder pushes from Premium services" + ("" if updating else " (default: disabled)"),
    )
    parser.add_argument(
        "--share-read-status",
        metavar="on|off",
        help="senders see when a message was read" + ("" if updating else " (default: on)"),
    )
    if not updating:
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace an existing profile by the defaults and these flags (its "
            "preferences are lost); without it, registering a registered citizen fails",
        )


def add_citizen_commands(commands: Subcommands) -> None:
    group = commands.add_parser(
        "citizen",
        help="register, change, show and erase citizens' profiles",
        description=__doc__ + "\n" + PREFERENCES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, run, updating, summary in (
        ("register", _register, False, "register a citizen (--replace: start over)"),
        ("update", _update, True, "change a registered citizen's profile (only what is given)"),
    ):
        action = actions.add_parser(
            name,
            help=summary,
            description=summary[0].upper() + summary[1:] + ".",
            epilog=PREFERENCES_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        action.add_argument("fiscal_code", metavar="FISCAL_CODE")
        _add_profile_flags(action, updating=updating)
        action.set_defaults(run=run)
    show = actions.add_parser("show", help="a registered citizen's profile")
    show.add_argument("fiscal_code", metavar="FISCAL_CODE")
    show.set_defaults(run=_show)
    add_erase_action(actions)
