"""Citizen profiles: who is registered in the app, whether their inbox is open, and which
services they let write to them.

Preferences per service follow IO's three modes:
- LEGACY: every service may write, except those on the citizen's block list;
- AUTO: every service may write, unless the citizen turned it off;
- MANUAL: no service may write, unless the citizen turned it on.
The one rule here answers both ProcessMessage and the institutions' recipient check.

Pushes about new messages are the citizen's choice too: on (the default) or off, and what
they show, as IO's `push_notifications_content_type` says: ANONYMOUS (the default), a fixed
"you have a new message"; FULL, the service's name and the subject.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.compat import StrEnum
from shared.domain.message import RejectionReason

DEFAULT_LANGUAGES = ("it_IT",)


class PreferenceMode(StrEnum):
    LEGACY = "LEGACY"
    AUTO = "AUTO"
    MANUAL = "MANUAL"


class ReminderConsent(StrEnum):
    """Whether the citizen agreed to reminder pushes from Premium services (default: no)."""

    ENABLED = "ENABLED"
    DISABLED = "DISABLED"


class PushContent(StrEnum):
    """What a new-message push shows (IO's push_notifications_content_type): a fixed text
    (the default), or the service's name and the message's subject."""

    ANONYMOUS = "ANONYMOUS"
    FULL = "FULL"


class Profile(BaseModel):
    model_config = ConfigDict(frozen=True)

    fiscal_code: str
    inbox_enabled: bool = True
    preferred_languages: tuple[str, ...] = DEFAULT_LANGUAGES
    preference_mode: PreferenceMode = PreferenceMode.AUTO
    # LEGACY mode: the services the citizen blocked.
    blocked_service_ids: frozenset[str] = Field(default_factory=frozenset)
    # AUTO and MANUAL modes: the citizen's explicit choice per service (True: may write).
    service_preferences: dict[str, bool] = Field(default_factory=dict)
    # Premium reminder pushes need the citizen's consent; none until they give it.
    reminders: ReminderConsent = ReminderConsent.DISABLED
    # Whether senders may see that a message was read (IO's default: they may).
    share_read_status: bool = True
    # The push notification installation of the citizen's app, if it registered one.
    push_installation_id: str | None = None
    # A push when a message reaches the inbox, and what it shows. Subjects carry no
    # personal data (the guard at acceptance), so FULL may show them, by choice only.
    new_message_pushes: bool = True
    push_content: PushContent = PushContent.ANONYMOUS

    def allows(self, service_id: str) -> bool:
        """Whether the citizen's preferences let `service_id` write to their inbox."""
        if self.preference_mode is PreferenceMode.LEGACY:
            return service_id not in self.blocked_service_ids
        default = self.preference_mode is PreferenceMode.AUTO
        return self.service_preferences.get(service_id, default)

    def wants_new_message_push(self, service_id: str) -> bool:
        """Whether a new message from `service_id` should be pushed to the citizen: pushes
        on, and the service still allowed to write (a service blocked since the message
        arrived pushes nothing)."""
        return self.new_message_pushes and self.refusal_reason(service_id) is None

    def refusal_reason(self, service_id: str) -> RejectionReason | None:
        """Why this citizen does not take messages from `service_id`, or None if they do."""
        if not self.inbox_enabled or not self.allows(service_id):
            return RejectionReason.SERVICE_NOT_ALLOWED
        return None
