"""GET /api/v1/profiles/{fiscal_code}: may this service write to this citizen?"""

import azure.functions as func

from shared.entrypoints.get_profile import handle_get_profile


def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return handle_get_profile(req, context)
