"""The recipient check institutions make before sending: can this citizen receive from us?"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from shared.domain.errors import NotFoundError
from shared.domain.fiscal_code import require_valid_fiscal_code
from shared.domain.message import RejectionReason
from shared.domain.profile import DEFAULT_LANGUAGES
from shared.domain.sandbox import check_test_recipient, sandbox_rejection
from shared.domain.service import Service
from shared.services.ports import ProfileRepository


class ProfileQuery(BaseModel):
    """The body of `POST /api/v1/profiles`: the fiscal code stays out of the URL."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    fiscal_code: str


@dataclass(frozen=True)
class RecipientCheck:
    sender_allowed: bool
    preferred_languages: tuple[str, ...]


def check_recipient(
    caller: Service, fiscal_code: str, *, profiles: ProfileRepository, test: bool = False
) -> RecipientCheck:
    """Whether `caller` may write to this citizen, and the citizen's languages. With
    `test` (a TEST key), the answer a sandbox fiscal code's outcome implies.

    Raises ValidationError for a malformed fiscal code, NotFoundError when the citizen is
    not registered or has the inbox disabled, ForbiddenError for a test key's citizen.
    """
    require_valid_fiscal_code(fiscal_code)
    if test:
        return _sandbox_check(fiscal_code)
    profile = profiles.get(fiscal_code)
    if profile is None or not profile.inbox_enabled:
        raise NotFoundError("no registered citizen with an open inbox has this fiscal code")
    return RecipientCheck(
        sender_allowed=profile.refusal_reason(caller.id) is None,
        preferred_languages=profile.preferred_languages,
    )


def _sandbox_check(fiscal_code: str) -> RecipientCheck:
    check_test_recipient(fiscal_code)  # a test key learns nothing of a citizen
    reason = sandbox_rejection(fiscal_code)
    if reason is RejectionReason.USER_NOT_FOUND:
        raise NotFoundError("no registered citizen with an open inbox has this fiscal code")
    return RecipientCheck(
        sender_allowed=reason is None,
        preferred_languages=DEFAULT_LANGUAGES,  # a new profile's
    )
