"""docs/openapi-internal.yaml describes the citizen profile as the code reads and writes it:
the same fields, defaults, enums and patterns."""

from __future__ import annotations

from typing import Any

from shared.domain.profile import PreferenceMode, Profile, PushContent, ReminderConsent
from shared.domain.profile_change import LANGUAGE_PATTERN
from shared.domain.profile_update import (
    PUSH_INSTALLATION_ID_PATTERN,
    ProfileUpdate,
    profile_document,
)
from shared.domain.service import SERVICE_ID_PATTERN
from tests.builders import FISCAL_CODE
from tests.meta.test_internal_openapi_document import _document


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = _document()["components"]["schemas"]
    return schemas


def test_the_response_schema_describes_every_field_the_api_answers():
    schema = _schemas()["CitizenProfile"]
    fields = set(profile_document(Profile(fiscal_code=FISCAL_CODE)))
    assert set(schema["properties"]) == fields
    assert set(schema["required"]) == fields


def test_the_body_schema_has_the_fields_and_defaults_of_the_code():
    schema = _schemas()["CitizenProfileUpdate"]
    assert set(schema["properties"]) == set(ProfileUpdate.model_fields)
    assert schema["additionalProperties"] is False
    defaults = profile_document(ProfileUpdate().to_profile(FISCAL_CODE))
    for name, documented in schema["properties"].items():
        if name != "fiscal_code":
            assert documented["default"] == defaults[name], name


def test_enums_and_patterns_are_the_codes():
    schemas = _schemas()
    assert schemas["PreferenceMode"]["enum"] == [mode.value for mode in PreferenceMode]
    assert schemas["ReminderConsent"]["enum"] == [consent.value for consent in ReminderConsent]
    assert schemas["PushContent"]["enum"] == [content.value for content in PushContent]
    assert schemas["Language"]["pattern"] == LANGUAGE_PATTERN
    assert schemas["ServiceId"]["pattern"] == SERVICE_ID_PATTERN
    assert schemas["PushInstallationId"]["pattern"] == PUSH_INSTALLATION_ID_PATTERN
