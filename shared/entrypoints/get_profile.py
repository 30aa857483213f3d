"""HTTP entry points of GetProfile (GET /api/v1/profiles/{fiscal_code}) and
GetProfileByPost (POST /api/v1/profiles, fiscal code in the body)."""

from __future__ import annotations

import azure.functions as func

from shared import bootstrap
from shared.entrypoints.institution_api import InstitutionCall, json_body, open_call
from shared.entrypoints.invocations import invoked
from shared.http import handle, json_response
from shared.services.check_recipient import check_recipient, fiscal_code_from_body


def _answer(call: InstitutionCall, fiscal_code: str, request_id: str) -> func.HttpResponse:
    check = check_recipient(
        call.service, fiscal_code, profiles=bootstrap.app().profiles, test=call.is_test
    )
    body = {
        "sender_allowed": check.sender_allowed,
        "preferred_languages": list(check.preferred_languages),
    }
    return json_response(body, request_id=request_id, headers=call.headers())


def _by_path(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    call = open_call(req, bootstrap.app())
    return _answer(call, req.route_params["fiscal_code"], request_id)


def _by_body(req: func.HttpRequest, request_id: str) -> func.HttpResponse:
    call = open_call(req, bootstrap.app())
    return _answer(call, fiscal_code_from_body(json_body(req)), request_id)


def handle_get_profile(
    req: func.HttpRequest, context: func.Context | None = None
) -> func.HttpResponse:
    with invoked("GetProfile", context):
        return handle(req, _by_path)


def handle_get_profile_by_post(
    req: func.HttpRequest, context: func.Context | None = None
) -> func.HttpResponse:
    with invoked("GetProfileByPost", context):
        return handle(req, _by_body)
