"""POST /api/v1/profiles: the recipient check with the fiscal code in the body."""

import azure.functions as func

from shared.entrypoints.get_profile import get_profile_by_post_entry


def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return get_profile_by_post_entry(req, context)
