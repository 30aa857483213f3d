"""`citizen register | update | show`: citizens' profiles and preferences.

The fiscal code is read from the command line but never printed back.
"""

from __future__ import annotations

import argparse
from typing import Any

from shared.admin.output import Report
from shared.admin.parsing import Subcommands
from shared.bootstrap import App
from shared.domain.errors import ValidationError
from shared.domain.profile import PreferenceMode, Profile, PushContent
from shared.domain.profile_change import ProfileChange, parse_profile_change
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
    return {
        "inbox_enabled": profile.inbox_enabled,
        "preferred_languages": list(profile.preferred_languages),
        "preference_mode": profile.preference_mode,
        "blocked_service_ids": sorted(profile.blocked_service_ids),
        "service_preferences": dict(sorted(profile.service_preferences.items())),
        "new_message_pushes": profile.new_message_pushes,
        "push_content": profile.push_content,
    }


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
    return lines


def _register(args: argparse.Namespace, app: App) -> Report:
    profile = register_profile(
        args.fiscal_code, _change(args, app), profiles=app.profiles, services=app.services
    )
    return Report(profile_json(profile), _profile_lines("citizen registered", profile))


def _update(args: argparse.Namespace, app: App) -> Report:
    profile = update_profile(
        args.fiscal_code, _change(args, app), profiles=app.profiles, services=app.services
    )
    return Report(profile_json(profile), _profile_lines("citizen profile changed", profile))


def _show(args: argparse.Namespace, app: App) -> Report:
    profile = read_profile(args.fiscal_code, profiles=app.profiles)
    return Report(profile_json(profile), _profile_lines("citizen registered", profile))


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


def add_citizen_commands(commands: Subcommands) -> None:
    group = commands.add_parser(
        "citizen",
        help="register, change and show citizens' profiles",
        description=__doc__ + "\n" + PREFERENCES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, run, updating, summary in (
        ("register", _register, False, "create or replace a citizen's profile"),
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
