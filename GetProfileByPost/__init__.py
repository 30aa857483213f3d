"""POST /api/v1/profiles: the recipient check with the fiscal code in the body."""

import azure.functions as func

from shared.entrypoints.get_profile import handle_get_profile_by_post


def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return handle_get_profile_by_post(req, context)
