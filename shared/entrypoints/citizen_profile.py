"""HTTP entry point of CitizenProfile: GET and PUT /api/v1/citizen/profile, the citizen
app's back end reading and writing the profile of the citizen in the Citizen-Fiscal-Code
header."""

from __future__ import annotations

import azure.functions as func

from shared import bootstrap
from shared.domain.profile_update import ProfileUpdate, profile_document
from shared.entrypoints.citizen_api import open_citizen_call
from shared.entrypoints.entry_point import entry_point
from shared.http import json_model, json_response
from shared.services.citizen_profile import get_citizen_profile, put_citizen_profile

# A profile is a few kilobytes; the bound is the institution API's, generous for hundreds
# of per-service preferences.
MAX_PROFILE_BODY_BYTES = 256 * 1024


def _get(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    app = bootstrap.app()
    fiscal_code = open_citizen_call(req, app)
    profile = get_citizen_profile(fiscal_code, profiles=app.profiles)
    return json_response(profile_document(profile), request_id=request_id)


def _put(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    app = bootstrap.app()
    fiscal_code = open_citizen_call(req, app)
    update = json_model(req, ProfileUpdate, MAX_PROFILE_BODY_BYTES)
    saved = put_citizen_profile(fiscal_code, update, profiles=app.profiles)
    status = 201 if saved.created else 200
    return json_response(profile_document(saved.profile), request_id=request_id, status=status)


@entry_point("CitizenProfile")
def citizen_profile_entry(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    return (_put if req.method.upper() == "PUT" else _get)(req, request_id)
