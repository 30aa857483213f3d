"""HTTP entry point of CitizenProfile: GET and PUT /api/v1/citizens/{fiscal_code}/profile,
the citizen app's back end reading and writing a citizen's profile (function key)."""

from __future__ import annotations

import azure.functions as func

from shared import bootstrap
from shared.domain.profile_update import ProfileUpdate, profile_document
from shared.domain.validation import parse_json_model
from shared.entrypoints.institution_api import json_body
from shared.entrypoints.invocations import invoked
from shared.http import handle, json_response
from shared.services.citizen_profile import get_citizen_profile, put_citizen_profile

# A profile is a few kilobytes; the bound is the institution API's, generous for hundreds
# of per-service preferences.
MAX_PROFILE_BODY_BYTES = 256 * 1024


def _get(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    fiscal_code = req.route_params["fiscal_code"]
    profile = get_citizen_profile(fiscal_code, profiles=bootstrap.app().profiles)
    return json_response(profile_document(profile), request_id=request_id)


def _put(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    update = parse_json_model(ProfileUpdate, json_body(req, MAX_PROFILE_BODY_BYTES))
    fiscal_code = req.route_params["fiscal_code"]
    saved = put_citizen_profile(fiscal_code, update, profiles=bootstrap.app().profiles)
    status = 201 if saved.created else 200
    return json_response(profile_document(saved.profile), request_id=request_id, status=status)


def handle_citizen_profile(
    req: func.HttpRequest, context: func.Context | None = None
) -> func.HttpResponse:
    with invoked("CitizenProfile", context):
        return handle(req, _put if req.method.upper() == "PUT" else _get)
