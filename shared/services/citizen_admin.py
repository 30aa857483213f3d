"""Operator use cases on citizens: register a profile with its preferences, change it, read it.

What allowing and blocking a service means in each preference mode is said in
shared.domain.profile_change.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from shared.domain.errors import AlreadyExistsError, FieldError, NotFoundError, ValidationError
from shared.domain.fiscal_code import fiscal_code_errors, require_valid_fiscal_code
from shared.domain.profile import Profile
from shared.domain.profile_change import ProfileChange
from shared.domain.service import is_valid_service_id
from shared.services.ports import ProfileRepository, ServiceRepository

logger = logging.getLogger(__name__)


def citizen_input_errors(
    fiscal_code: str,
    *,
    allow: Sequence[str] = (),
    block: Sequence[str] = (),
    services: ServiceRepository,
) -> list[FieldError]:
    """What is wrong with a fiscal code and the ids of services to allow or block."""
    errors = fiscal_code_errors(fiscal_code)
    for field, service_ids in (("allow", allow), ("block", block)):
        for index, service_id in enumerate(service_ids):
            pointer = f"/{field}/{index}"
            if not is_valid_service_id(service_id):
                detail = f"{service_id!r} is not a service id"
                errors.append(FieldError("invalid_service_id", detail, pointer))
            # A mistyped id would otherwise be stored as a choice that never applies.
            elif services.get(service_id) is None:
                detail = f"no service has the id {service_id!r}"
                errors.append(FieldError("unknown_service", detail, pointer))
    return errors


def register_profile(
    fiscal_code: str,
    change: ProfileChange,
    *,
    profiles: ProfileRepository,
    services: ServiceRepository,
    replace: bool = False,
) -> Profile:
    """Create a citizen's profile: the defaults (inbox enabled, it_IT, AUTO mode, no
    choices, anonymous new-message pushes, reminders disabled, read status shared) with
    `change` made. With `replace`, an existing profile is replaced by that, its
    preferences lost.

    Raises ValidationError for a bad fiscal code or an unknown service id, AlreadyExistsError
    when the citizen is registered and `replace` is not given.
    """
    errors = citizen_input_errors(
        fiscal_code, allow=change.allow, block=change.block, services=services
    )
    if errors:
        raise ValidationError(errors)
    # Read then write: two registrations racing may both pass; the last write wins, as a
    # PUT of the profile does.
    if not replace and profiles.get(fiscal_code) is not None:
        raise AlreadyExistsError(
            "a citizen is registered with this fiscal code: change the profile with "
            "`citizen update`, or start over from the defaults with `citizen register --replace`"
        )
    profile = change.applied_to(Profile(fiscal_code=fiscal_code))
    profiles.save(profile)
    logger.info("citizen profile registered")
    return profile


def update_profile(
    fiscal_code: str,
    change: ProfileChange,
    *,
    profiles: ProfileRepository,
    services: ServiceRepository,
) -> Profile:
    """Make `change` to a registered citizen's profile and return it as stored.

    Raises ValidationError for a bad fiscal code, an unknown service id or an empty change,
    and NotFoundError when the citizen is not registered. The last write wins.
    """
    errors = citizen_input_errors(
        fiscal_code, allow=change.allow, block=change.block, services=services
    )
    if change == ProfileChange():
        errors.append(FieldError("required", "give at least one thing to change", ""))
    if errors:
        raise ValidationError(errors)
    profile = read_profile(fiscal_code, profiles=profiles)
    changed = change.applied_to(profile)
    profiles.save(changed)
    logger.info("citizen profile changed")
    return changed


def read_profile(fiscal_code: str, *, profiles: ProfileRepository) -> Profile:
    """A registered citizen's profile.

    Raises ValidationError for a bad fiscal code, NotFoundError when not registered.
    """
    require_valid_fiscal_code(fiscal_code)
    profile = profiles.get(fiscal_code)
    if profile is None:
        raise NotFoundError("no citizen is registered with this fiscal code")
    return profile
