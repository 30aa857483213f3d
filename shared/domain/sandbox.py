"""The sandbox: the fiscal codes a service's TEST keys write to, each giving one outcome.

A test key's message is validated, checked and answered as a live key's, but it may name
only a sandbox fiscal code, and its outcome is the code's, not a citizen's choice. Each
code is a valid fiscal code (shape and check character), so every validation applies, yet
it can belong to nobody: its day of birth is 00 (a man's day is 01-31, a woman's 41-71) and
its place of birth Z000, which is no Italian municipality's or foreign state's code (states
are Z1xx-Z9xx). So no citizen can register with it, and the citizen API refuses it.
"""

from __future__ import annotations

from types import MappingProxyType

from shared.domain.errors import FieldError, ForbiddenError, ValidationError
from shared.domain.message import RejectionReason

# The fiscal code whose test messages end PROCESSED.
SANDBOX_PROCESSED = "TSTPRC00A00Z000X"
# ... REJECTED USER_NOT_FOUND (no citizen has this code).
SANDBOX_USER_NOT_FOUND = "TSTNFN00A00Z000L"
# ... REJECTED SERVICE_NOT_ALLOWED (the citizen does not let the service write).
SANDBOX_SERVICE_NOT_ALLOWED = "TSTNAL00A00Z000X"

# Each sandbox code and the rejection its messages get (None: PROCESSED).
SANDBOX_OUTCOMES: MappingProxyType[str, RejectionReason | None] = MappingProxyType(
    {
        SANDBOX_PROCESSED: None,
        SANDBOX_USER_NOT_FOUND: RejectionReason.USER_NOT_FOUND,
        SANDBOX_SERVICE_NOT_ALLOWED: RejectionReason.SERVICE_NOT_ALLOWED,
    }
)

# Test messages expire after 30 days, whatever their outcome: the sandbox codes' partitions
# are shared by every service's test keys, and a partition holds at most 20 GB.
TEST_MESSAGE_RETENTION_SECONDS = 30 * 24 * 3600


def is_sandbox_fiscal_code(fiscal_code: str) -> bool:
    return fiscal_code in SANDBOX_OUTCOMES


def sandbox_rejection(fiscal_code: str) -> RejectionReason | None:
    """The rejection a test message to `fiscal_code` gets (None: it is PROCESSED).

    Raises ValueError for a code outside the sandbox: a test message never names one.
    """
    if not is_sandbox_fiscal_code(fiscal_code):
        raise ValueError("a test message always names a sandbox fiscal code")
    return SANDBOX_OUTCOMES[fiscal_code]


def check_test_recipient(fiscal_code: str, pointer: str = "/fiscal_code") -> None:
    """Raises ForbiddenError unless `fiscal_code` is a sandbox code: a test key never
    writes to a citizen."""
    if not is_sandbox_fiscal_code(fiscal_code):
        codes = ", ".join(SANDBOX_OUTCOMES)
        raise ForbiddenError(
            "a test key sends only to the sandbox fiscal codes "
            f"({codes}); send to a citizen with a live key",
            pointer,
        )


def refuse_sandbox_citizen(fiscal_code: str, pointer: str) -> None:
    """Raises ValidationError when `fiscal_code` is a sandbox code: it is nobody's, so no
    citizen acts under it (and its test messages never show in an inbox)."""
    if is_sandbox_fiscal_code(fiscal_code):
        raise ValidationError(
            [FieldError("sandbox_fiscal_code", "a sandbox fiscal code is no citizen's", pointer)]
        )
