"""HTTP entry points of GetProfile (GET /api/v1/profiles/{fiscal_code}) and
GetProfileByPost (POST /api/v1/profiles, fiscal code in the body)."""

from __future__ import annotations

import azure.functions as func

from shared import bootstrap
from shared.entrypoints.entry_point import entry_point
from shared.entrypoints.institution_api import open_call
from shared.http import json_model, json_response
from shared.services.admission import Admission
from shared.services.check_recipient import ProfileQuery, check_recipient


def _answer(call: Admission, fiscal_code: str, request_id: str) -> func.HttpResponse:
    check = check_recipient(
        call.service, fiscal_code, profiles=bootstrap.app().profiles, test=call.is_test
    )
    body = {
        "sender_allowed": check.sender_allowed,
        "preferred_languages": list(check.preferred_languages),
    }
    return json_response(body, request_id=request_id, headers=call.headers())


@entry_point("GetProfile")
def get_profile_entry(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    call = open_call(req, bootstrap.app())
    return _answer(call, req.route_params["fiscal_code"], request_id)


@entry_point("GetProfileByPost")
def get_profile_by_post_entry(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    call = open_call(req, bootstrap.app())
    return _answer(call, json_model(req, ProfileQuery).fiscal_code, request_id)
