"""GET / PUT /api/v1/citizen/profile: the citizen app reads and writes the header's citizen."""

import azure.functions as func

from shared.entrypoints.citizen_profile import citizen_profile_entry


def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return citizen_profile_entry(req, context)
