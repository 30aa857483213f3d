"""Which push adapter the settings call for: the one place that decides."""

from __future__ import annotations

from shared.adapters.notification_hubs import NotificationHubPushSender, parse_hub_connection
from shared.adapters.push_queue import queue_push_sender
from shared.config import Settings
from shared.services.ports import Clock, PushSender


def select_push_sender(settings: Settings, *, clock: Clock) -> PushSender:
    """Azure Notification Hubs when a hub is configured, otherwise the push queue.

    Raises InvalidSettingError when the hub's connection string cannot be read.
    """
    if settings.notification_hub_connection and settings.notification_hub_name:
        return NotificationHubPushSender(
            parse_hub_connection(settings.notification_hub_connection),
            settings.notification_hub_name,
            clock=clock,
        )
    return queue_push_sender(settings.storage, settings.push_queue)
