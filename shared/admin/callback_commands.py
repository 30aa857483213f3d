"""`service callback set | rotate | retire | remove`: a service's status callback.

Postino POSTs each status event of the service's messages to its callback URL, signed with
HMAC-SHA256 (README, "Status callbacks"). The signing secret is printed once, when it is
made; Postino keeps it only sealed (encrypted with CALLBACK_SECRETS_KEY), and `service show`
names secrets by id, never shows one.

To change the secret without losing a callback: `rotate` (the new secret is printed; both
sign every callback), move the receiver to the new secret, then `retire` (only the new one
signs). `set` and `rotate` need CALLBACK_SECRETS_KEY (in Azure, the Key Vault secret
callback-secrets-key); `retire` and `remove` do not.
"""

from __future__ import annotations

import argparse
from typing import Any

from shared.adapters.secret_box import SecretBox
from shared.admin.output import Report, cache_note, when
from shared.admin.parsing import Subcommands
from shared.bootstrap import App
from shared.config import SettingName
from shared.domain.callbacks import CallbackTarget
from shared.services.callback_admin import (
    URL_POINTER,
    CallbackChange,
    remove_callback,
    retire_callback_secrets,
    rotate_callback_secret,
    set_callback,
)

SHOWN_ONCE = (
    "The secret is shown only now; Postino keeps it only sealed. Give it to the institution: "
    "its receiver checks each callback's Postino-Signature with it."
)
# The flag a bad URL is reported on.
_FIELD_FLAGS = {URL_POINTER.strip("/"): "--url"}


def callback_json(callback: CallbackTarget | None) -> dict[str, Any] | None:
    """The callback for scripts: its URL and its secrets' ids and dates, never a secret."""
    if callback is None:
        return None
    return {
        "url": callback.url,
        "secrets": [
            {"id": secret.id, "created_at": secret.created_at.isoformat()}
            for secret in callback.secrets
        ],
    }


def callback_line(callback: CallbackTarget | None) -> str:
    """The callback for people, on one line."""
    if callback is None:
        return "none"
    secrets = ", ".join(f"{secret.id} ({when(secret.created_at)})" for secret in callback.secrets)
    return f"{callback.url}, signed with {secrets}"


def _sealing(args: argparse.Namespace) -> frozenset[SettingName]:
    return frozenset({SettingName.CALLBACK_SECRETS_KEY})


def _report(change: CallbackChange, app: App, notes: list[str]) -> Report:
    service = change.service
    data: dict[str, Any] = {
        "service_id": service.id,
        "callback": callback_json(service.callback),
        "takes_effect_within_seconds": app.settings.service_cache_ttl_seconds,
    }
    lines = [f"callback of service {service.id}: {callback_line(service.callback)}"]
    if change.issued is not None:
        data["secret"] = {"id": change.issued.id, "secret": change.issued.secret}
        lines += [f"secret {change.issued.id}: {change.issued.secret}", SHOWN_ONCE]
    lines += notes
    lines.append(
        f"Callbacks follow the change {cache_note(app.settings.service_cache_ttl_seconds)}."
    )
    return Report(data=data, lines=lines)


def _set(args: argparse.Namespace, app: App) -> Report:
    change = set_callback(
        args.service_id,
        args.url,
        services=app.services,
        sealer=SecretBox.from_setting(app.settings.callback_secrets_key),
        clock=app.clock,
        allow_loopback_http=app.settings.callback_allow_loopback_http,
    )
    notes = (
        []
        if change.issued is not None
        else ["The URL changed; the secrets did not (rotate to issue a new one)."]
    )
    return _report(change, app, notes)


def _rotate(args: argparse.Namespace, app: App) -> Report:
    change = rotate_callback_secret(
        args.service_id,
        services=app.services,
        sealer=SecretBox.from_setting(app.settings.callback_secrets_key),
        clock=app.clock,
    )
    notes = [
        "Callbacks are now signed with the old and the new secret. Once the receiver checks "
        f"the new one, run `service callback retire {args.service_id}`."
    ]
    return _report(change, app, notes)


def _retire(args: argparse.Namespace, app: App) -> Report:
    change = retire_callback_secrets(args.service_id, services=app.services)
    if change.retired:
        notes = [f"{change.retired} old secret(s) retired: only the newest signs callbacks."]
    else:
        notes = ["Nothing to retire: one secret signs callbacks."]
    report = _report(change, app, notes)
    report.data["retired"] = change.retired
    return report


def _remove(args: argparse.Namespace, app: App) -> Report:
    change = remove_callback(args.service_id, services=app.services)
    return _report(change, app, ["The service gets no more callbacks; its secrets are gone."])


def add_callback_actions(actions: Subcommands) -> None:
    """`service callback ...`, under the `service` command's actions."""
    group = actions.add_parser(
        "callback",
        help="a service's status callback: its URL and signing secrets",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    callback_actions = group.add_subparsers(dest="callback_action", metavar="ACTION", required=True)

    set_url = callback_actions.add_parser(
        "set",
        help="set the callback URL; the first time, print its signing secret, once",
        description="Point the service's status callback at URL (https, a public host). A "
        "service without a callback also gets its first signing secret, printed only now; "
        "one with a callback keeps its secrets.",
    )
    set_url.add_argument("service_id", metavar="SERVICE_ID")
    set_url.add_argument("--url", required=True, help="https://... the receiver's URL")
    set_url.set_defaults(
        run=_set,
        secrets_used=_sealing,
        command_name="service callback set",
        field_flags=_FIELD_FLAGS,
    )

    described = {
        "rotate": (
            _rotate,
            "add a new signing secret (printed once) and keep the current one until retire",
            _sealing,
        ),
        "retire": (_retire, "drop every signing secret but the newest", None),
        "remove": (_remove, "stop the service's callbacks; forget its URL and secrets", None),
    }
    for name, (run, help_text, secrets_used) in described.items():
        action = callback_actions.add_parser(
            name, help=help_text, description=help_text[0].upper() + help_text[1:] + "."
        )
        action.add_argument("service_id", metavar="SERVICE_ID")
        action.set_defaults(run=run, command_name=f"service callback {name}")
        if secrets_used is not None:
            action.set_defaults(secrets_used=secrets_used)
