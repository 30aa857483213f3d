"""What every call of the citizen API does first: admit only the citizen app's back end
(shared/entrypoints/internal_api.py), and take the citizen it acts for from a header, never
from the URL (URLs reach request telemetry and access logs)."""

from __future__ import annotations

import azure.functions as func

from shared.bootstrap import App
from shared.domain.consumers import Consumer
from shared.domain.fiscal_code import require_valid_fiscal_code
from shared.domain.sandbox import refuse_sandbox_citizen
from shared.entrypoints.internal_api import admit

CITIZEN_HEADER = "Citizen-Fiscal-Code"
CITIZEN_POINTER = f"/headers/{CITIZEN_HEADER}"


def open_citizen_call(req: func.HttpRequest, app: App) -> str:
    """The fiscal code of the citizen this call acts for.

    Raises ForbiddenError, AuthenticationError (internal_api.admit) and ValidationError
    (no valid fiscal code in the Citizen-Fiscal-Code header, or a sandbox one).
    """
    admit(req, Consumer.CITIZEN_BACKEND, app.settings.internal_api)
    fiscal_code = str(req.headers.get(CITIZEN_HEADER, "")).strip()
    require_valid_fiscal_code(fiscal_code, CITIZEN_POINTER)
    # Test messages live in the sandbox codes' partitions: no citizen ever reads them.
    refuse_sandbox_citizen(fiscal_code, CITIZEN_POINTER)
    return fiscal_code
