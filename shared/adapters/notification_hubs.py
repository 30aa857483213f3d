"""Pushes through Azure Notification Hubs, over its REST API (it has no maintained Python SDK).

Each push is one template notification: POST `{endpoint}{hub}/messages/?api-version=2015-01`
with `ServiceBusNotification-Format: template` and `ServiceBusNotification-Tags` set to the
push's tag (a keyed hash of the fiscal code), authorized by a Shared Access Signature made
from the hub's connection string. The body is the push's template properties
(shared.adapters.push_payload): strings only, as the API requires, and nothing personal (a
FULL new-message push shows a subject, which the guard at acceptance keeps free of it).

Collapse and expiry: the API documents no platform header for template sends (its only
expiry header, `ServiceBusNotification-Apns-Expiry`, is for native APNs sends), because a
template send does not know which platforms it reaches. So `collapse_key` and `expires_at`
travel as template properties, and each installation's registered template places them:
an APNs template registration in its `apns-collapse-id` header and its expiry, an FCM
template in `collapse_key`. FCM's time to live is a duration, not a moment, so an FCM
template cannot derive it: the app drops a push whose `expires_at` has passed.

Answers: 200 (as the reference documents) and 201 (as the service answers) are accepted;
429, 5xx, timeouts and lost connections may succeed later (retryable); any other answer
(400 malformed, 401/403 authorization or quota, 404 no such hub, 413 too large) will not.
Nothing here logs the key, the signature or the tag.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote, urlsplit

import requests

from shared.adapters.push_payload import template_properties
from shared.config import InvalidSettingError, SettingName
from shared.domain.errors import PushDeliveryError
from shared.domain.push import Push
from shared.services.ports import Clock

logger = logging.getLogger(__name__)

API_VERSION = "2015-01"
CONTENT_TYPE = "application/json;charset=utf-8"
# A push that waits longer than this is better retried by the next run than waited for.
REQUEST_TIMEOUT_SECONDS = 10.0
# Each request gets a fresh token; it only has to outlive the request.
TOKEN_LIFETIME = timedelta(minutes=5)
ACCEPTED = frozenset({200, 201})
TOO_MANY_REQUESTS = 429


@dataclass(frozen=True)
class HubConnection:
    """A hub's connection string, parsed: `endpoint` is `https://<namespace>.../`."""

    endpoint: str
    key_name: str
    key: str = field(repr=False)


def parse_hub_connection(connection_string: str) -> HubConnection:
    """Read `Endpoint=sb://<ns>.servicebus.windows.net/;SharedAccessKeyName=..;SharedAccessKey=..`.

    Raises InvalidSettingError naming NOTIFICATION_HUB_CONNECTION and what is wrong with it,
    never any part of its value.
    """
    setting = SettingName.NOTIFICATION_HUB_CONNECTION
    parts: dict[str, str] = {}
    for part in connection_string.split(";"):
        if not part.strip():
            continue
        name, equals, value = part.partition("=")
        if not equals:
            raise InvalidSettingError(f"app setting {setting} must be Name=value pairs and ';'")
        parts[name.strip().lower()] = value.strip()
    required = ("Endpoint", "SharedAccessKeyName", "SharedAccessKey")
    missing = [name for name in required if not parts.get(name.lower())]
    if missing:
        raise InvalidSettingError(f"app setting {setting} lacks {', '.join(missing)}")
    endpoint = urlsplit(parts["endpoint"])
    if endpoint.scheme not in {"sb", "https"} or not endpoint.hostname:
        raise InvalidSettingError(
            f"app setting {setting} must have Endpoint=sb://<namespace>.servicebus.windows.net/"
        )
    return HubConnection(
        endpoint=f"https://{endpoint.netloc}/",
        key_name=parts["sharedaccesskeyname"],
        key=parts["sharedaccesskey"],
    )


def sas_token(resource_uri: str, key_name: str, key: str, expiry: int) -> str:
    """A Shared Access Signature for `resource_uri` until `expiry` (Unix seconds).

    The URI is lower-cased and URL-encoded (lower-case escapes too); the signature is the
    base64 HMAC-SHA256, under the key's UTF-8 bytes, of that encoded URI, a newline and the
    expiry.
    """
    encoded_uri = quote(resource_uri.lower(), safe="").lower()
    to_sign = f"{encoded_uri}\n{expiry}".encode()
    digest = hmac.new(key.encode("utf-8"), to_sign, hashlib.sha256).digest()
    signature = quote(base64.b64encode(digest).decode("ascii"), safe="")
    return (
        f"SharedAccessSignature sr={encoded_uri}&sig={signature}&se={expiry}"
        f"&skn={quote(key_name, safe='')}"
    )


class NotificationHubPushSender:
    """Sends each push as a template notification to its tag on one notification hub.

    `endpoint` replaces the connection string's endpoint and `timeout` the request timeout
    (a local stand-in in tests).
    """

    def __init__(
        self,
        connection: HubConnection,
        hub_name: str,
        *,
        clock: Clock,
        session: requests.Session | None = None,
        endpoint: str | None = None,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
    ) -> None:
        base = (endpoint or connection.endpoint).rstrip("/")
        self._connection = connection
        self._resource_uri = f"{base}/{quote(hub_name.strip('/'))}"
        self._url = f"{self._resource_uri}/messages/?api-version={API_VERSION}"
        self._clock = clock
        self._session = session or requests.Session()
        self._timeout = timeout

    def _authorization(self) -> str:
        expiry = int((self._clock.now() + TOKEN_LIFETIME).timestamp())
        return sas_token(
            self._resource_uri, self._connection.key_name, self._connection.key, expiry
        )

    def send(self, push: Push) -> None:
        """Hand `push` to the hub.

        Raises PushDeliveryError, retryable for throttling, server errors, timeouts and
        lost connections.
        """
        headers = {
            "Authorization": self._authorization(),
            "Content-Type": CONTENT_TYPE,
            "ServiceBusNotification-Format": "template",
            "ServiceBusNotification-Tags": push.tag,
        }
        body = json.dumps(template_properties(push), ensure_ascii=False).encode("utf-8")
        try:
            response = self._session.post(
                self._url,
                data=body,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise PushDeliveryError(
                f"the notification hub did not answer within {self._timeout:g} s "
                f"(push for message {push.message_id})",
                retryable=True,
            ) from exc
        except requests.ConnectionError as exc:
            raise PushDeliveryError(
                f"the notification hub is unreachable (push for message {push.message_id})",
                retryable=True,
            ) from exc
        except requests.RequestException as exc:
            raise PushDeliveryError(
                f"the push for message {push.message_id} could not be sent: {type(exc).__name__}",
                retryable=False,
            ) from exc
        status = response.status_code
        if status in ACCEPTED:
            logger.info("push %s for message %s accepted by the hub", push.kind, push.message_id)
            return
        raise PushDeliveryError(
            f"the notification hub answered {status} {response.reason} "
            f"to the push for message {push.message_id}",
            retryable=status == TOO_MANY_REQUESTS or status >= 500,
        )
