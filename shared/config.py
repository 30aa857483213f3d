"""Typed settings, read once from the environment (app settings / local.settings.json):
the app's Settings, the reminder rules' ReminderPolicy, and what the code must know of
host.json (max_dequeue_count). Every setting is parsed here, whole numbers by one helper
(`whole_number`), and every refusal is an InvalidSettingError or MissingSettingError naming
the setting."""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from enum import StrEnum
from functools import cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.domain.consumers import InternalAuthMode, LocalTokens
from shared.domain.reminders import NewMessageQuietHours, ReminderPolicy

type Network = IPv4Network | IPv6Network


class SettingName(StrEnum):
    """Every app setting the code reads. function.json files read some of them as %NAME%."""

    STORAGE_CONNECTION = "AzureWebJobsStorage"
    COSMOS_ENDPOINT = "COSMOS_ENDPOINT"
    COSMOS_KEY = "COSMOS_KEY"
    COSMOS_VERIFY_TLS = "COSMOS_VERIFY_TLS"
    MESSAGES_QUEUE = "MESSAGES_QUEUE"
    REMINDER_SCHEDULE = "REMINDER_SCHEDULE"
    SERVICE_CACHE_TTL_SECONDS = "SERVICE_CACHE_TTL_SECONDS"
    REJECTED_RETENTION_SECONDS = "REJECTED_RETENTION_SECONDS"
    ACCEPTED_GRACE_SECONDS = "ACCEPTED_GRACE_SECONDS"
    MAX_REDELIVERIES = "MAX_REDELIVERIES"
    # The events outbox (pushes, callbacks): the relay's grace (and a claim's lease), the
    # first retry's wait, how long a callback is tried before it goes to the dead letters.
    EVENT_RELAY_GRACE_SECONDS = "EVENT_RELAY_GRACE_SECONDS"
    EVENT_FIRST_RETRY_SECONDS = "EVENT_FIRST_RETRY_SECONDS"
    CALLBACK_RETRY_SECONDS = "CALLBACK_RETRY_SECONDS"
    SWEEPER_SCHEDULE = "SWEEPER_SCHEDULE"
    ATTACHMENT_LINK_SECONDS = "ATTACHMENT_LINK_SECONDS"
    CITIZEN_HASH_KEY = "CITIZEN_HASH_KEY"
    PUSH_QUEUE = "PUSH_QUEUE"
    NOTIFICATION_HUB_CONNECTION = "NOTIFICATION_HUB_CONNECTION"
    NOTIFICATION_HUB_NAME = "NOTIFICATION_HUB_NAME"
    REMINDER_UNREAD_AFTER_DAYS = "REMINDER_UNREAD_AFTER_DAYS"
    REMINDER_UNREAD_EVERY_DAYS = "REMINDER_UNREAD_EVERY_DAYS"
    REMINDER_UNREAD_MAX = "REMINDER_UNREAD_MAX"
    REMINDER_PAYMENT_WINDOW_DAYS = "REMINDER_PAYMENT_WINDOW_DAYS"
    REMINDER_PAYMENT_EVERY_DAYS = "REMINDER_PAYMENT_EVERY_DAYS"
    REMINDER_PAYMENT_MAX = "REMINDER_PAYMENT_MAX"
    REMINDER_QUIET_HOURS = "REMINDER_QUIET_HOURS"
    REMINDER_TIME_ZONE = "REMINDER_TIME_ZONE"
    REMINDER_DAILY_CAP = "REMINDER_DAILY_CAP"
    # Buckets (partitions) each hour of the reminder schedule is spread over.
    REMINDER_SHARDS = "REMINDER_SHARDS"
    # Reminders of one partition worked at once (reads and pushes overlapping).
    REMINDER_PARTITION_CONCURRENCY = "REMINDER_PARTITION_CONCURRENCY"
    # Whether a new-message push waits out the reminders' quiet hours (SEND: no, as IO).
    NEW_MESSAGE_PUSH_QUIET_HOURS = "NEW_MESSAGE_PUSH_QUIET_HOURS"
    # In Azure, storage is reached with the app's managed identity at these service URIs
    # (the Functions host reads the same identity-based connection for its triggers).
    STORAGE_BLOB_URI = "AzureWebJobsStorage__blobServiceUri"
    STORAGE_QUEUE_URI = "AzureWebJobsStorage__queueServiceUri"
    # Application Insights: with it, traces and metrics are exported (shared/observability).
    APPLICATIONINSIGHTS_CONNECTION_STRING = "APPLICATIONINSIGHTS_CONNECTION_STRING"
    # The internal API: how its consumers prove who they are (absent: Microsoft Entra, in
    # Azure), their local tokens, and the networks it may be called from (empty: any).
    INTERNAL_API_AUTH = "INTERNAL_API_AUTH"
    LOCAL_CONSUMER_TOKENS = "LOCAL_CONSUMER_TOKENS"
    INTERNAL_API_ALLOWED_CIDRS = "INTERNAL_API_ALLOWED_CIDRS"
    # Status callbacks: the key that seals their signing secrets (32 random bytes, base64),
    # and, for make run and the tests only, leave to call http://127.0.0.1 (local receivers).
    CALLBACK_SECRETS_KEY = "CALLBACK_SECRETS_KEY"
    CALLBACK_ALLOW_LOOPBACK_HTTP = "CALLBACK_ALLOW_LOOPBACK_HTTP"
    # Callbacks one receiver (a callback URL less its query) may have in flight at once
    # from one worker process; beyond them its events are retried a little later.
    CALLBACK_RECEIVER_CONCURRENCY = "CALLBACK_RECEIVER_CONCURRENCY"


# Set by App Service itself, not by the app's settings: "True" when App Service
# authentication runs in front of the app (and strips callers' X-MS-CLIENT-PRINCIPAL).
PLATFORM_AUTH_ENABLED = "WEBSITE_AUTH_ENABLED"


# The emulators' connection string and keys exist only locally; in Azure the managed identity
# reaches storage at its service URIs and Cosmos DB at its endpoint, and no secret is set.
LOCAL_ONLY_SETTINGS = frozenset(
    {
        SettingName.STORAGE_CONNECTION,
        SettingName.COSMOS_KEY,
        SettingName.COSMOS_VERIFY_TLS,
        SettingName.INTERNAL_API_AUTH,
        SettingName.LOCAL_CONSUMER_TOKENS,
        SettingName.CALLBACK_ALLOW_LOOPBACK_HTTP,
    }
)
AZURE_ONLY_SETTINGS = frozenset({SettingName.STORAGE_BLOB_URI, SettingName.STORAGE_QUEUE_URI})


class MissingSettingError(RuntimeError):
    """A required setting is absent or empty; the message names it."""


class InvalidSettingError(RuntimeError):
    """A setting has a value the app cannot use; the message names it."""


# More digits than any setting needs; int() refuses thousands of them with a ValueError.
_MAX_DIGITS = 18


def whole_number(name: str, raw: str, *, minimum: int = 0) -> int:
    """The setting `name`'s text `raw` as a whole number (ASCII digits) of at least
    `minimum`. Raises InvalidSettingError naming the setting, never showing its value."""
    text = raw.strip()
    if text.isascii() and text.isdigit() and len(text) <= _MAX_DIGITS and int(text) >= minimum:
        return int(text)
    at_least = f", at least {minimum}" if minimum else ""
    raise InvalidSettingError(f"app setting {name} must be a whole number{at_least}")


# What App Service leaves in a setting whose Key Vault reference it could not resolve.
_KEY_VAULT_REFERENCE = "@Microsoft.KeyVault("


def _refuse_unresolved_references(env: Mapping[str, str]) -> None:
    """A Key Vault reference App Service could not resolve stays as its own text, which the
    app would otherwise take for the secret (a hash key, a connection string)."""
    for name in SettingName:
        if env.get(name, "").strip().startswith(_KEY_VAULT_REFERENCE):
            raise InvalidSettingError(
                f"app setting {name} is a Key Vault reference the platform could not resolve; "
                "check the secret exists and the app's identity may read it"
            )


def _required(env: Mapping[str, str], name: SettingName) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise MissingSettingError(f"required app setting {name} is not set")
    return value


def _flag(env: Mapping[str, str], name: SettingName, *, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"true", "1", "yes"}:
        return True
    if raw in {"false", "0", "no"}:
        return False
    raise InvalidSettingError(f"app setting {name} must be true or false")


def _seconds(env: Mapping[str, str], name: SettingName, *, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InvalidSettingError(f"app setting {name} must be a number of seconds") from None
    if value < 0:
        raise InvalidSettingError(f"app setting {name} must not be negative")
    return value


def _count(env: Mapping[str, str], name: SettingName, *, default: int, minimum: int = 0) -> int:
    """The whole number in setting `name`, `default` when it is absent or empty."""
    raw = env.get(name, "").strip()
    return whole_number(name, raw, minimum=minimum) if raw else default


DEFAULT_SERVICE_CACHE_TTL_SECONDS = 10.0
# IO keeps rejected messages for three years.
DEFAULT_REJECTED_RETENTION_SECONDS = 3 * 365 * 24 * 3600
DEFAULT_ACCEPTED_GRACE_SECONDS = 60
DEFAULT_MAX_REDELIVERIES = 5
DEFAULT_EVENT_RELAY_GRACE_SECONDS = 60
DEFAULT_EVENT_FIRST_RETRY_SECONDS = 10
DEFAULT_CALLBACK_RETRY_SECONDS = 24 * 3600
# A citizen's download link to an attachment lives at most 15 minutes.
MAX_ATTACHMENT_LINK_SECONDS = 15 * 60
DEFAULT_ATTACHMENT_LINK_SECONDS = MAX_ATTACHMENT_LINK_SECONDS
DEFAULT_PUSH_QUEUE = "push-notifications"
# One hour's reminder entries in 32 buckets: some 300 entries (60 KB) each at 10,000 due an
# hour. docs/scaling.md says how to size it (each patch is billed on its whole bucket).
DEFAULT_REMINDER_SHARDS = 32
MAX_REMINDER_SHARDS = 256
DEFAULT_REMINDER_PARTITION_CONCURRENCY = 8
MAX_REMINDER_PARTITION_CONCURRENCY = 64
DEFAULT_CALLBACK_RECEIVER_CONCURRENCY = 2
MAX_CALLBACK_RECEIVER_CONCURRENCY = 64


def _bounded(env: Mapping[str, str], name: SettingName, *, default: int, maximum: int) -> int:
    """A whole number from 1 to `maximum` in setting `name`, `default` when absent."""
    value = _count(env, name, default=default, minimum=1)
    if value > maximum:
        raise InvalidSettingError(f"app setting {name} must be at most {maximum}")
    return value


def _link_seconds(env: Mapping[str, str]) -> int:
    name = SettingName.ATTACHMENT_LINK_SECONDS
    value = _count(env, name, default=DEFAULT_ATTACHMENT_LINK_SECONDS)
    if not 1 <= value <= MAX_ATTACHMENT_LINK_SECONDS:
        raise InvalidSettingError(
            f"app setting {name} must be between 1 and {MAX_ATTACHMENT_LINK_SECONDS} seconds"
        )
    return value


def _notification_hub(env: Mapping[str, str]) -> tuple[str, str]:
    connection = env.get(SettingName.NOTIFICATION_HUB_CONNECTION, "").strip()
    name = env.get(SettingName.NOTIFICATION_HUB_NAME, "").strip()
    # Half a hub configuration would send every push to the local queue, unseen.
    if bool(connection) != bool(name):
        raise InvalidSettingError(
            f"app settings {SettingName.NOTIFICATION_HUB_CONNECTION} and "
            f"{SettingName.NOTIFICATION_HUB_NAME} must be set together, or neither"
        )
    return connection, name


@dataclass(frozen=True)
class StorageConnectionString:
    """Storage reached with a connection string: locally, Azurite's, with its well-known key.
    The string holds the account key: it is never shown."""

    connection_string: str = field(repr=False)


@dataclass(frozen=True)
class StorageIdentity:
    """Storage reached with the app's identity (the managed identity in Azure, `az login`
    for an operator) at the account's service URIs; no key anywhere."""

    blob_service_uri: str
    queue_service_uri: str


# How the app reaches its storage account. The adapters' client factories take it, so only
# they ask which form it is.
type StorageAccess = StorageConnectionString | StorageIdentity


_STORAGE_URIS = (SettingName.STORAGE_BLOB_URI, SettingName.STORAGE_QUEUE_URI)


def _storage_access(env: Mapping[str, str]) -> StorageAccess:
    """The one decision between the two forms of storage access. Messages name settings,
    never a value: a connection string holds the account key."""
    connection = env.get(SettingName.STORAGE_CONNECTION, "").strip()
    uris = {name: env.get(name, "").strip() for name in _STORAGE_URIS}
    given = [name for name, uri in uris.items() if uri]
    if connection and given:
        raise InvalidSettingError(
            f"app setting {SettingName.STORAGE_CONNECTION} is set together with "
            f"{' and '.join(given)}: give storage either as a connection string (locally) or "
            "as service URIs reached with the managed identity (in Azure), not both"
        )
    if connection:
        return StorageConnectionString(connection)
    if not given:
        raise MissingSettingError(
            f"storage is not configured: set app setting {SettingName.STORAGE_CONNECTION} "
            f"(a connection string, locally) or {' and '.join(_STORAGE_URIS)} "
            "(the managed identity, in Azure)"
        )
    missing = [name for name in _STORAGE_URIS if not uris[name]]
    if missing:
        raise MissingSettingError(f"required app setting {missing[0]} is not set")
    for name, uri in uris.items():
        # The SDK refuses to send a bearer token over plain HTTP.
        if not uri.lower().startswith("https://"):
            raise InvalidSettingError(f"app setting {name} must be an https:// URI")
    return StorageIdentity(
        blob_service_uri=uris[SettingName.STORAGE_BLOB_URI],
        queue_service_uri=uris[SettingName.STORAGE_QUEUE_URI],
    )


def _cosmos_verify_tls(env: Mapping[str, str], *, with_key: bool) -> bool:
    verify = _flag(env, SettingName.COSMOS_VERIFY_TLS, default=True)
    # Only the local emulator, reached with its key, has a certificate to put up with.
    if not verify and not with_key:
        raise InvalidSettingError(
            f"app setting {SettingName.COSMOS_VERIFY_TLS} may be false only for the local "
            f"emulator, reached with {SettingName.COSMOS_KEY}"
        )
    return verify


@dataclass(frozen=True)
class InternalApiAccess:
    """Who may call the internal API, and from where (shared/domain/consumers.py)."""

    mode: InternalAuthMode = InternalAuthMode.ENTRA
    local_tokens: LocalTokens = field(default_factory=LocalTokens, repr=False)
    allowed_cidrs: tuple[Network, ...] = ()
    # App Service authentication runs in front of the app (its principal header is trusted).
    platform_auth_enabled: bool = False


def _allowed_cidrs(env: Mapping[str, str]) -> tuple[Network, ...]:
    raw = env.get(SettingName.INTERNAL_API_ALLOWED_CIDRS, "")
    networks = []
    for text in filter(None, (part.strip() for part in raw.split(","))):
        try:
            networks.append(ip_network(text, strict=False))
        except ValueError:
            raise InvalidSettingError(
                f"app setting {SettingName.INTERNAL_API_ALLOWED_CIDRS} holds {text!r}, "
                "which is not a network (e.g. 10.20.0.0/16)"
            ) from None
    return tuple(networks)


def _internal_api_access(env: Mapping[str, str], *, with_cosmos_key: bool) -> InternalApiAccess:
    raw_mode = env.get(SettingName.INTERNAL_API_AUTH, "").strip().lower() or InternalAuthMode.ENTRA
    try:
        mode = InternalAuthMode(raw_mode)
    except ValueError:
        raise InvalidSettingError(
            f"app setting {SettingName.INTERNAL_API_AUTH} must be entra or local"
        ) from None
    tokens = LocalTokens()
    if mode is InternalAuthMode.LOCAL:
        # Local tokens live in a settings file: only for the emulators, never in Azure.
        if not with_cosmos_key:
            raise InvalidSettingError(
                f"app setting {SettingName.INTERNAL_API_AUTH}=local is for the local "
                f"emulators only (with {SettingName.COSMOS_KEY}); in Azure use Microsoft Entra"
            )
        try:
            tokens = LocalTokens.parse(_required(env, SettingName.LOCAL_CONSUMER_TOKENS))
        except ValueError as exc:
            raise InvalidSettingError(
                f"app setting {SettingName.LOCAL_CONSUMER_TOKENS}: {exc}"
            ) from None
    return InternalApiAccess(
        mode=mode,
        local_tokens=tokens,
        allowed_cidrs=_allowed_cidrs(env),
        platform_auth_enabled=env.get(PLATFORM_AUTH_ENABLED, "").strip().lower() == "true",
    )


# The AES-256 key that seals callback secrets: 32 bytes.
CALLBACK_SECRETS_KEY_BYTES = 32


def _callback_secrets_key(env: Mapping[str, str]) -> str:
    """The key's base64 text, checked to be 32 bytes (shared/adapters/secret_box.py decodes
    it). The message never shows the value."""
    name = SettingName.CALLBACK_SECRETS_KEY
    text = _required(env, name)
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError:
        key = b""
    if len(key) != CALLBACK_SECRETS_KEY_BYTES:
        raise InvalidSettingError(
            f"app setting {name} must be {CALLBACK_SECRETS_KEY_BYTES} random bytes in base64 "
            "(e.g. `openssl rand -base64 32`)"
        )
    return text


def _callback_allow_loopback_http(env: Mapping[str, str], *, with_cosmos_key: bool) -> bool:
    allow = _flag(env, SettingName.CALLBACK_ALLOW_LOOPBACK_HTTP, default=False)
    # Plain http to loopback is for a developer's local receiver; in Azure it would let a
    # callback reach whatever listens on the app's own host.
    if allow and not with_cosmos_key:
        raise InvalidSettingError(
            f"app setting {SettingName.CALLBACK_ALLOW_LOOPBACK_HTTP} is for the local "
            f"emulators only (with {SettingName.COSMOS_KEY}); in Azure callbacks are https "
            "to public addresses"
        )
    return allow


@dataclass(frozen=True)
class Settings:
    storage: StorageAccess
    cosmos_endpoint: str
    # The account key (locally, the emulator's); None in Azure, where the managed identity
    # signs in to Cosmos DB.
    cosmos_key: str | None = field(repr=False)
    cosmos_verify_tls: bool
    messages_queue: str
    # The key of the keyed hash that names citizens outside the store (push tags).
    citizen_hash_key: str = field(repr=False)
    # How long a worker trusts a cached service look-up: a revoked key or a changed
    # service setting takes effect within this time.
    service_cache_ttl_seconds: float = DEFAULT_SERVICE_CACHE_TTL_SECONDS
    # Rejected messages (and Idempotency-Key records) expire after this long.
    rejected_retention_seconds: int = DEFAULT_REJECTED_RETENTION_SECONDS
    # A message still ACCEPTED this long after its last enqueue is enqueued again.
    accepted_grace_seconds: int = DEFAULT_ACCEPTED_GRACE_SECONDS
    # How many times the sweeper re-sends a message before marking it FAILED.
    max_redeliveries: int = DEFAULT_MAX_REDELIVERIES
    # The events outbox's clock (shared.domain.events.EventTiming).
    event_relay_grace_seconds: int = DEFAULT_EVENT_RELAY_GRACE_SECONDS
    event_first_retry_seconds: int = DEFAULT_EVENT_FIRST_RETRY_SECONDS
    callback_retry_seconds: int = DEFAULT_CALLBACK_RETRY_SECONDS
    # How long a download link to an attachment, handed to the citizen's app, stays valid.
    attachment_link_seconds: int = DEFAULT_ATTACHMENT_LINK_SECONDS
    # Where pushes go when no notification hub is configured (read by the operator CLI).
    push_queue: str = DEFAULT_PUSH_QUEUE
    # Azure Notification Hubs: pushes go there when both are set.
    notification_hub_connection: str = field(default="", repr=False)
    notification_hub_name: str | None = None
    internal_api: InternalApiAccess = field(default_factory=InternalApiAccess)
    # The key that seals callback signing secrets (base64 of 32 bytes; SecretBox opens it).
    callback_secrets_key: str = field(default="", repr=False)
    # Callbacks may be plain http to 127.0.0.1, ::1 and localhost (local runs only).
    callback_allow_loopback_http: bool = False
    # The callbacks one receiver may have in flight from one worker process.
    callback_receiver_concurrency: int = DEFAULT_CALLBACK_RECEIVER_CONCURRENCY
    # The reminder schedule's buckets per hour, and the reminders worked at once in one.
    reminder_shards: int = DEFAULT_REMINDER_SHARDS
    reminder_partition_concurrency: int = DEFAULT_REMINDER_PARTITION_CONCURRENCY

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings.

        Raises MissingSettingError / InvalidSettingError naming the setting.
        """
        env = os.environ if env is None else env
        _refuse_unresolved_references(env)
        hub_connection, hub_name = _notification_hub(env)
        cosmos_key = env.get(SettingName.COSMOS_KEY, "").strip() or None
        return cls(
            storage=_storage_access(env),
            cosmos_endpoint=_required(env, SettingName.COSMOS_ENDPOINT),
            cosmos_key=cosmos_key,
            cosmos_verify_tls=_cosmos_verify_tls(env, with_key=cosmos_key is not None),
            messages_queue=_required(env, SettingName.MESSAGES_QUEUE),
            citizen_hash_key=_required(env, SettingName.CITIZEN_HASH_KEY),
            service_cache_ttl_seconds=_seconds(
                env,
                SettingName.SERVICE_CACHE_TTL_SECONDS,
                default=DEFAULT_SERVICE_CACHE_TTL_SECONDS,
            ),
            rejected_retention_seconds=_count(
                env,
                SettingName.REJECTED_RETENTION_SECONDS,
                default=DEFAULT_REJECTED_RETENTION_SECONDS,
            ),
            accepted_grace_seconds=_count(
                env, SettingName.ACCEPTED_GRACE_SECONDS, default=DEFAULT_ACCEPTED_GRACE_SECONDS
            ),
            max_redeliveries=_count(
                env, SettingName.MAX_REDELIVERIES, default=DEFAULT_MAX_REDELIVERIES
            ),
            event_relay_grace_seconds=_count(
                env,
                SettingName.EVENT_RELAY_GRACE_SECONDS,
                default=DEFAULT_EVENT_RELAY_GRACE_SECONDS,
            ),
            event_first_retry_seconds=_count(
                env,
                SettingName.EVENT_FIRST_RETRY_SECONDS,
                default=DEFAULT_EVENT_FIRST_RETRY_SECONDS,
            ),
            callback_retry_seconds=_count(
                env, SettingName.CALLBACK_RETRY_SECONDS, default=DEFAULT_CALLBACK_RETRY_SECONDS
            ),
            attachment_link_seconds=_link_seconds(env),
            push_queue=env.get(SettingName.PUSH_QUEUE, "").strip() or DEFAULT_PUSH_QUEUE,
            notification_hub_connection=hub_connection,
            notification_hub_name=hub_name or None,
            internal_api=_internal_api_access(env, with_cosmos_key=cosmos_key is not None),
            callback_secrets_key=_callback_secrets_key(env),
            callback_allow_loopback_http=_callback_allow_loopback_http(
                env, with_cosmos_key=cosmos_key is not None
            ),
            callback_receiver_concurrency=_bounded(
                env,
                SettingName.CALLBACK_RECEIVER_CONCURRENCY,
                default=DEFAULT_CALLBACK_RECEIVER_CONCURRENCY,
                maximum=MAX_CALLBACK_RECEIVER_CONCURRENCY,
            ),
            reminder_shards=_bounded(
                env,
                SettingName.REMINDER_SHARDS,
                default=DEFAULT_REMINDER_SHARDS,
                maximum=MAX_REMINDER_SHARDS,
            ),
            reminder_partition_concurrency=_bounded(
                env,
                SettingName.REMINDER_PARTITION_CONCURRENCY,
                default=DEFAULT_REMINDER_PARTITION_CONCURRENCY,
                maximum=MAX_REMINDER_PARTITION_CONCURRENCY,
            ),
        )


def telemetry_connection_string(env: Mapping[str, str] | None = None) -> str | None:
    """The Application Insights connection string, or None when telemetry stays local.

    Read apart from Settings: logging is set up before (and whether or not) the other
    settings are valid, so that a missing setting is itself logged.
    """
    env = os.environ if env is None else env
    return env.get(SettingName.APPLICATIONINSIGHTS_CONNECTION_STRING, "").strip() or None


# --- The reminder rules' numbers; IO's published values by default. With them, whether the
# quiet hours hold back new-message pushes (default: they do not).

_QUIET_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
DEFAULT_QUIET_HOURS = "21:00-08:00"


def _days(env: Mapping[str, str], name: SettingName, default: timedelta) -> timedelta:
    return timedelta(days=_count(env, name, default=default.days, minimum=1))


def _quiet_hours(env: Mapping[str, str]) -> tuple[time, time]:
    raw = env.get(SettingName.REMINDER_QUIET_HOURS, "").strip() or DEFAULT_QUIET_HOURS
    match = _QUIET_HOURS.fullmatch(raw)
    if match is None:
        raise InvalidSettingError(
            f"app setting {SettingName.REMINDER_QUIET_HOURS} must look like 21:00-08:00"
        )
    start_hour, start_minute, end_hour, end_minute = (int(part) for part in match.groups())
    return time(start_hour, start_minute), time(end_hour, end_minute)


def _time_zone(env: Mapping[str, str], default: ZoneInfo) -> ZoneInfo:
    raw = env.get(SettingName.REMINDER_TIME_ZONE, "").strip()
    if not raw:
        return default
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidSettingError(
            f"app setting {SettingName.REMINDER_TIME_ZONE} must be an IANA time zone, "
            "e.g. Europe/Rome"
        ) from None


def _new_message_quiet_hours(
    env: Mapping[str, str], default: NewMessageQuietHours
) -> NewMessageQuietHours:
    name = SettingName.NEW_MESSAGE_PUSH_QUIET_HOURS
    raw = env.get(name, "").strip().upper()
    if not raw:
        return default
    try:
        return NewMessageQuietHours(raw)
    except ValueError:
        choices = " or ".join(choice.value for choice in NewMessageQuietHours)
        raise InvalidSettingError(f"app setting {name} must be {choices}") from None


def reminder_policy(env: Mapping[str, str]) -> ReminderPolicy:
    """The policy the settings describe. Raises InvalidSettingError naming the setting."""
    default = ReminderPolicy()
    quiet_start, quiet_end = _quiet_hours(env)
    return ReminderPolicy(
        unread_after=_days(env, SettingName.REMINDER_UNREAD_AFTER_DAYS, default.unread_after),
        unread_every=_days(env, SettingName.REMINDER_UNREAD_EVERY_DAYS, default.unread_every),
        unread_max=_count(env, SettingName.REMINDER_UNREAD_MAX, default=default.unread_max),
        payment_window=_days(env, SettingName.REMINDER_PAYMENT_WINDOW_DAYS, default.payment_window),
        payment_every=_days(env, SettingName.REMINDER_PAYMENT_EVERY_DAYS, default.payment_every),
        payment_max=_count(env, SettingName.REMINDER_PAYMENT_MAX, default=default.payment_max),
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        timezone=_time_zone(env, default.timezone),
        daily_cap=_count(env, SettingName.REMINDER_DAILY_CAP, default=default.daily_cap, minimum=1),
        new_message_quiet_hours=_new_message_quiet_hours(env, default.new_message_quiet_hours),
    )


# --- What the code must know of host.json: the queue attempts before the poison queue. As
# the Functions host does, an app setting named MAX_DEQUEUE_COUNT_OVERRIDE overrides the
# file (the host reads it, so it is no SettingName: the sample settings do not carry it).

HOST_JSON = Path(__file__).resolve().parents[1] / "host.json"
# The Functions host's own default when host.json does not say.
DEFAULT_MAX_DEQUEUE_COUNT = 5
MAX_DEQUEUE_COUNT_OVERRIDE = "AzureFunctionsJobHost__extensions__queues__maxDequeueCount"


def read_max_dequeue_count(host_json: Path, environ: Mapping[str, str]) -> int:
    """extensions.queues.maxDequeueCount: the attempt after which a message is poisoned.

    Raises InvalidSettingError naming the override, or host.json's field.
    """
    for name, value in environ.items():
        if name.lower() == MAX_DEQUEUE_COUNT_OVERRIDE.lower():
            return whole_number(name, value, minimum=1)
    settings = json.loads(host_json.read_text(encoding="utf-8"))
    queues = settings.get("extensions", {}).get("queues", {})
    value = queues.get("maxDequeueCount", DEFAULT_MAX_DEQUEUE_COUNT)
    return whole_number("host.json extensions.queues.maxDequeueCount", str(value), minimum=1)


@cache
def max_dequeue_count() -> int:
    """The app's maxDequeueCount, read once per process."""
    return read_max_dequeue_count(HOST_JSON, os.environ)
