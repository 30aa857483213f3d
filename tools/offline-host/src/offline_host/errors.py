"""Errors the offline host raises; each ends in ``Error`` and says what to fix."""

from __future__ import annotations


class OfflineHostError(Exception):
    """Base of every error raised by the offline host."""


class HostConfigError(OfflineHostError):
    """host.json, local.settings.json or the command line is invalid; the host cannot start."""


class MissingSettingError(OfflineHostError):
    """A ``%NAME%`` reference or a connection names an app setting that is not set."""

    def __init__(self, setting: str, where: str) -> None:
        super().__init__(f"app setting '{setting}' is not set (referenced by {where})")
        self.setting = setting


class FunctionLoadError(OfflineHostError):
    """One function cannot be indexed or imported; the host serves the others."""


class RouteTemplateError(OfflineHostError):
    """An HTTP route template cannot be parsed."""


class CronExpressionError(OfflineHostError):
    """An NCRONTAB schedule cannot be parsed."""


class MessageEncodingError(OfflineHostError):
    """A queue message does not decode under the configured messageEncoding."""


class FunctionTimeoutError(OfflineHostError):
    """An invocation ran longer than host.json's functionTimeout."""
