"""The citizen app's use cases on a citizen's own profile: read it, register or replace it.

What a profile body may hold is said in shared.domain.profile_update.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from shared.domain.errors import ValidationError
from shared.domain.fiscal_code import fiscal_code_errors
from shared.domain.profile import Profile
from shared.domain.profile_update import ProfileUpdate
from shared.services.citizen_admin import read_profile
from shared.services.ports import ProfileRepository

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SavedProfile:
    profile: Profile
    # True when the citizen had no profile before: this save registered them.
    created: bool


def get_citizen_profile(fiscal_code: str, *, profiles: ProfileRepository) -> Profile:
    """A registered citizen's profile.

    Raises ValidationError for a malformed fiscal code, NotFoundError when the citizen is
    not registered, StorageUnavailableError when the store is unreachable.
    """
    return read_profile(fiscal_code, profiles=profiles)


def put_citizen_profile(
    fiscal_code: str, update: ProfileUpdate, *, profiles: ProfileRepository
) -> SavedProfile:
    """Register the citizen with the profile `update` describes, or replace theirs with it.

    Raises ValidationError naming the malformed fiscal code and every broken rule at once,
    StorageUnavailableError when the store is unreachable. The last write wins; two
    concurrent first PUTs may both report that they created the profile.
    """
    errors = fiscal_code_errors(fiscal_code) + update.rule_errors(fiscal_code)
    if errors:
        raise ValidationError(errors)
    profile = update.to_profile(fiscal_code)
    created = profiles.get(fiscal_code) is None
    profiles.save(profile)
    logger.info("citizen profile %s by the citizen app", "registered" if created else "replaced")
    return SavedProfile(profile, created)
