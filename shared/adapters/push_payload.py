"""What a push carries to the push service: its template properties.

Notification Hubs fills each installation's registered template with these properties, and
its REST API takes string properties only, so every value is a string ("" for no expiry).
They name the message, never the citizen: the tag that addresses the push travels apart.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared.domain.push import Push

TEMPLATE_PROPERTIES = (
    "kind",
    "language",
    "title",
    "body",
    "message_id",
    "collapse_key",
    "expires_at",
)


def expiry_text(moment: datetime | None) -> str:
    """`moment` in UTC to the second, ISO 8601 (also W3C DTF, as APNs templates want it);
    "" when the push does not expire."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def template_properties(push: Push) -> dict[str, str]:
    """The properties a template notification for `push` is sent with."""
    return {
        "kind": push.kind.value,
        "language": push.language,
        "title": push.title,
        "body": push.body,
        "message_id": push.message_id,
        "collapse_key": push.collapse_key,
        "expires_at": expiry_text(push.expires_at),
    }
