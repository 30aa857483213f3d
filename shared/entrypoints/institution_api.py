"""What every call of the institution API does first: read the key and the caller's address
from the request, and ask shared/services/admission.py whether the service may call."""

from __future__ import annotations

import azure.functions as func

from shared.bootstrap import App
from shared.http import client_ip
from shared.services.admission import Admission, admit_service
from shared.services.auth_failure_throttle import worker_throttle

API_KEY_HEADER = "Ocp-Apim-Subscription-Key"


def open_call(req: func.HttpRequest, app: App) -> Admission:
    """The call's admission (shared/services/admission.py, steps 1 to 4).

    Raises AuthenticationError, ServiceDisabledError, ForbiddenError, RateLimitedError
    (AuthThrottledError for the address), StorageUnavailableError.
    """
    return admit_service(
        req.headers.get(API_KEY_HEADER),
        client_ip(req.headers),
        directory=app.directory,
        throttle=worker_throttle(app.clock),
        rate_limiter=app.rate_limiter,
    )
