"""`service create | list | show | update | disable | enable | delete | callback`: services
and their settings."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Any

from shared.admin.callback_commands import add_callback_actions, callback_json, callback_line
from shared.admin.output import Report, cache_note, table, when
from shared.admin.parsing import Subcommands
from shared.admin.service_lifecycle_commands import add_lifecycle_actions
from shared.bootstrap import App
from shared.domain.api_keys import ApiKeyRecord, KeySlot
from shared.domain.errors import ValidationError
from shared.domain.service import Service, new_service_errors
from shared.domain.service_change import RATE_LIMIT_SYNTAX, ServiceChange, parse_service_change
from shared.domain.service_metadata import MAX_TOPIC_LENGTH
from shared.services.onboarding import create_service
from shared.services.service_admin import (
    list_services,
    show_service,
    slot_label,
    update_service,
)


def _add_setting_flags(parser: argparse.ArgumentParser, *, updating: bool) -> None:
    settings = parser.add_argument_group("settings")
    settings.add_argument("--tier", metavar="BASIC|PREMIUM", help="the contract")
    limited = settings.add_mutually_exclusive_group()
    limited.add_argument(
        "--limited",
        dest="is_limited",
        action="store_const",
        const=True,
        help="trial mode: the service may write only to its authorized recipients",
    )
    if updating:
        limited.add_argument(
            "--not-limited",
            dest="is_limited",
            action="store_const",
            const=False,
            help="leave trial mode: the service may write to any citizen",
        )
    settings.add_argument(
        "--add-recipient",
        dest="add_recipients",
        action="append",
        default=[],
        metavar="FISCAL_CODE",
        help="authorize a recipient for limited mode (repeatable)",
    )
    if updating:
        settings.add_argument(
            "--remove-recipient",
            dest="remove_recipients",
            action="append",
            default=[],
            metavar="FISCAL_CODE",
            help="take a recipient off the authorized ones (repeatable)",
        )
    networks = settings.add_mutually_exclusive_group()
    networks.add_argument(
        "--cidr",
        dest="cidrs",
        action="append",
        metavar="CIDR",
        help="a network the service may call from, e.g. 203.0.113.0/24 (repeatable; "
        + ("replaces the list" if updating else "default: any network")
        + ")",
    )
    if updating:
        networks.add_argument(
            "--no-cidrs",
            action="store_true",
            help="clear the networks: the service may call from anywhere",
        )
    settings.add_argument(
        "--max-payment-amount",
        # IO's name for the setting, which the API's 403 tells institutions to ask for.
        "--max-allowed-payment-amount",
        dest="max_payment_amount",
        metavar="CENTS",
        help="the largest payment notice, in euro cents (IO's max_allowed_payment_amount; "
        "0: no payment notices" + ("" if updating else ", the default") + ")",
    )
    settings.add_argument(
        "--rate-limit",
        metavar=RATE_LIMIT_SYNTAX,
        help="requests allowed per window of seconds, e.g. 150/5"
        + ("" if updating else " (the default)"),
    )
    settings.add_argument(
        "--delegate-payee",
        dest="delegate_payees",
        action="append",
        default=[],
        metavar="ORGANIZATION_FISCAL_CODE",
        help="let the service see whether notices payable to this organization were paid, "
        "besides its own organization's (repeatable)",
    )
    if updating:
        settings.add_argument(
            "--undelegate-payee",
            dest="undelegate_payees",
            action="append",
            default=[],
            metavar="ORGANIZATION_FISCAL_CODE",
            help="take a payee off the delegated ones (repeatable)",
        )


def _add_metadata_flags(parser: argparse.ArgumentParser, *, updating: bool) -> None:
    metadata = parser.add_argument_group("what citizens are told of the service (IO's metadata)")
    if updating:
        metadata.add_argument("--name", help="a new name for the service")
    metadata.add_argument(
        "--contact-email", metavar="EMAIL", help="an address citizens may write to"
    )
    metadata.add_argument(
        "--privacy-url", metavar="HTTPS_URL", help="the service's privacy notice (https)"
    )
    metadata.add_argument("--topic", help=f"what the service is about (1 to {MAX_TOPIC_LENGTH})")
    metadata.add_argument(
        "--scope", metavar="NATIONAL|LOCAL", help="the whole country, or one local area"
    )


# The flags the errors of the payee and metadata flags point at (see
# shared.admin.output.FIELD_FLAGS).
_SERVICE_FLAGS = {
    "delegate_payees": "--delegate-payee",
    "undelegate_payees": "--undelegate-payee",
    "contact_email": "--contact-email",
    "privacy_url": "--privacy-url",
    "topic": "--topic",
    "scope": "--scope",
}


def _change(args: argparse.Namespace) -> ServiceChange:
    cidrs = [] if getattr(args, "no_cidrs", False) else args.cidrs
    return parse_service_change(
        tier=args.tier,
        is_limited=args.is_limited,
        add_recipients=args.add_recipients,
        remove_recipients=getattr(args, "remove_recipients", []),
        authorized_cidrs=cidrs,
        max_allowed_payment_amount=args.max_payment_amount,
        rate_limit=args.rate_limit,
        delegate_payees=args.delegate_payees,
        undelegate_payees=getattr(args, "undelegate_payees", []),
        # `service create` takes --name as the new service's, checked on its own.
        name=args.name if args.action == "update" else None,
        contact_email=args.contact_email,
        privacy_url=args.privacy_url,
        topic=args.topic,
        scope=args.scope,
    )


def service_json(
    service: Service,
    keys: Mapping[KeySlot, int] | None = None,
    key_records: Sequence[ApiKeyRecord] = (),
) -> dict[str, Any]:
    data = service.model_dump(mode="json")
    # The README promises the CLI never prints a fiscal code: how many, not which.
    del data["authorized_recipients"]
    data["authorized_recipients_count"] = len(service.authorized_recipients)
    data["delegated_payees"] = sorted(service.delegated_payees)
    # The URL and the secrets' ids and dates: never a secret, not even sealed.
    data["callback"] = callback_json(service.callback)
    if keys is not None:
        data["keys"] = {slot.value: count for slot, count in keys.items()}
        data["key_dates"] = [key_dates_json(record) for record in _by_slot(key_records)]
    return data


def key_dates_json(record: ApiKeyRecord) -> dict[str, Any]:
    """A key record without its id (the key's hash): slot, kind, created, last used."""
    return record.model_dump(mode="json", exclude={"id", "service_id"})


def key_dates_line(record: ApiKeyRecord) -> str:
    """When a key was issued and last used (to the hour), for people."""
    if record.created_at is None:
        created, unused = "before dates were kept", "not since dates were kept"
    else:
        created, unused = when(record.created_at), "never"
    used = unused if record.last_used_at is None else f"{when(record.last_used_at)} (to the hour)"
    return f"{slot_label(record.slot, record.kind)} key issued {created}, last used {used}"


def _by_slot(records: Sequence[ApiKeyRecord]) -> list[ApiKeyRecord]:
    return sorted(records, key=lambda record: (record.kind, record.slot, str(record.created_at)))


def _euros(cents: int) -> str:
    return f"{cents // 100:,}.{cents % 100:02d} EUR"


def service_lines(
    service: Service,
    keys: Mapping[KeySlot, int] | None = None,
    key_records: Sequence[ApiKeyRecord] = (),
) -> list[str]:
    organization = f"{service.organization_name} ({service.organization_fiscal_code})"
    if service.department_name:
        organization += f", {service.department_name}"
    recipients = str(len(service.authorized_recipients) or "none")
    limited = "yes: it may write only to its authorized recipients" if service.is_limited else "no"
    payments = (
        f"up to {_euros(service.max_allowed_payment_amount)}"
        if service.max_allowed_payment_amount
        else "not allowed"
    ) + " (--max-payment-amount)"
    networks = ", ".join(str(network) for network in service.authorized_cidrs) or "any"
    payees = ", ".join(sorted(service.delegated_payees)) or "none"
    policy = service.rate_limit
    lines = [
        f"service {service.id}: {service.name}",
        f"  organization:     {organization}",
        f"  tier:             {service.tier}",
        f"  limited mode:     {limited}",
        f"  recipients:       {recipients}",
        f"  networks:         {networks}",
        f"  payment notices:  {payments}",
        f"  delegated payees: {payees} (besides {service.organization_fiscal_code})",
        f"  rate limit:       {policy.requests} requests per {policy.window_seconds} s",
        f"  status callback:  {callback_line(service.callback)}",
        *metadata_lines(service),
    ]
    if keys is not None:
        held = [
            f"{slot} " + ("set" if count == 1 else "empty" if count == 0 else f"{count} keys")
            for slot, count in keys.items()
        ]
        lines.append(f"  keys:             {', '.join(held)}")
        lines.extend(f"    {key_dates_line(record)}" for record in _by_slot(key_records))
    return lines


def metadata_lines(service: Service) -> list[str]:
    """The service's contact, privacy notice, topic, scope and whether it is disabled."""
    state = (
        "enabled"
        if service.disabled_at is None
        else (f"DISABLED since {when(service.disabled_at)}: its keys get 403 service-disabled")
    )
    return [
        f"  contact e-mail:   {service.contact_email or '-'}",
        f"  privacy notice:   {service.privacy_url or '-'}",
        f"  topic:            {service.topic or '-'}",
        f"  scope:            {service.scope or '-'}",
        f"  state:            {state}",
    ]


def _create(args: argparse.Namespace, app: App) -> Report:
    # Every bad flag is reported at once: the names and codes along with the settings.
    errors = new_service_errors(
        name=args.name,
        organization_name=args.organization_name,
        organization_fiscal_code=args.organization_fiscal_code,
        service_id=args.service_id,
    )
    try:
        settings = _change(args)
    except ValidationError as exc:
        raise ValidationError(errors + exc.errors) from None
    if errors:
        raise ValidationError(errors)
    created = create_service(
        name=args.name,
        organization_name=args.organization_name,
        organization_fiscal_code=args.organization_fiscal_code,
        department_name=args.department_name,
        service_id=args.service_id,
        settings=settings,
        services=app.services,
        api_keys=app.api_keys,
        clock=app.clock,
    )
    return Report(
        data={
            "service": service_json(created.service),
            "primary_key": created.primary_key,
            "secondary_key": created.secondary_key,
        },
        lines=[
            *service_lines(created.service),
            "",
            f"primary key:   {created.primary_key}",
            f"secondary key: {created.secondary_key}",
            "The keys are shown only now; Postino stores only their hashes.",
        ],
    )


def _list(args: argparse.Namespace, app: App) -> Report:
    services = list_services(services=app.services)
    rows = [
        [
            service.id,
            service.tier,
            "yes" if service.is_limited else "no",
            "disabled" if service.is_disabled else "enabled",
            f"{service.name} - {service.organization_name}",
        ]
        for service in services
    ]
    count = f"{len(services)} service" + ("" if len(services) == 1 else "s")
    headers = ["ID", "TIER", "LIMITED", "STATE", "NAME - ORGANIZATION"]
    return Report(
        data={"services": [service_json(service) for service in services]},
        lines=[*table(headers, rows), count],
    )


def _show(args: argparse.Namespace, app: App) -> Report:
    overview = show_service(args.service_id, services=app.services, api_keys=app.api_keys)
    return Report(
        data={"service": service_json(overview.service, overview.keys, overview.key_records)},
        lines=service_lines(overview.service, overview.keys, overview.key_records),
    )


def _update(args: argparse.Namespace, app: App) -> Report:
    change = _change(args)
    service = update_service(args.service_id, change, services=app.services)
    ttl = app.settings.service_cache_ttl_seconds
    return Report(
        data={"service": service_json(service), "takes_effect_within_seconds": ttl},
        lines=[
            *service_lines(service),
            f"The API applies the new settings {cache_note(ttl)}.",
        ],
    )


def add_service_commands(commands: Subcommands) -> None:
    group = commands.add_parser(
        "service", help="create, list, show and change services", description=__doc__
    )
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)

    create = actions.add_parser(
        "create",
        help="register a service and print its two keys, once",
        description="Register a service and issue its PRIMARY and SECONDARY keys. The keys "
        "are printed only now; Postino stores only their SHA-256 hashes.",
    )
    create.add_argument("--name", required=True, help="the service's name")
    create.add_argument("--organization-name", required=True, help="the institution's name")
    create.add_argument(
        "--organization-fiscal-code", required=True, help="the institution's, 11 digits"
    )
    create.add_argument("--department-name", default="")
    create.add_argument(
        "--id", dest="service_id", help="the service id (default: random; letters, digits . _ -)"
    )
    _add_setting_flags(create, updating=False)
    _add_metadata_flags(create, updating=False)
    create.set_defaults(run=_create, field_flags=_SERVICE_FLAGS)

    listing = actions.add_parser("list", help="every service, by name")
    listing.set_defaults(run=_list)

    show = actions.add_parser(
        "show",
        help="a service's settings, and which key slots hold a key",
        description="A service's settings and which key slots hold a key (keys and their "
        "hashes are never shown).",
    )
    show.add_argument("service_id", metavar="SERVICE_ID")
    show.set_defaults(run=_show)

    update = actions.add_parser(
        "update",
        help="change a service's settings",
        description="Change the settings given; leave the others as they are. Workers apply "
        "the change within SERVICE_CACHE_TTL_SECONDS.",
    )
    update.add_argument("service_id", metavar="SERVICE_ID")
    _add_setting_flags(update, updating=True)
    _add_metadata_flags(update, updating=True)
    update.set_defaults(run=_update, field_flags=_SERVICE_FLAGS)

    add_lifecycle_actions(actions)
    add_callback_actions(actions)
