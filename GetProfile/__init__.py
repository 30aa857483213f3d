"""GET /api/v1/profiles/{fiscal_code}: may this service write to this citizen?"""

import azure.functions as func

from shared.entrypoints.get_profile import get_profile_entry


def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return get_profile_entry(req, context)
