"""What a service may do under its contract and settings; each refusal says what to do."""

from __future__ import annotations

from ipaddress import ip_address

from shared.domain.errors import ForbiddenError, ServiceDisabledError
from shared.domain.message import FeatureLevel, NewMessage
from shared.domain.sandbox import check_test_recipient
from shared.domain.service import Service, Tier


def check_service_enabled(service: Service) -> None:
    """Raises ServiceDisabledError when the operator disabled the service."""
    if service.is_disabled:
        raise ServiceDisabledError(
            "this service is disabled: its keys are refused until the operator enables it "
            "again; contact the operator"
        )


def check_caller_address(service: Service, client_ip: str | None) -> None:
    """Raises ForbiddenError when the service has authorized CIDRs and the caller is outside."""
    if not service.authorized_cidrs:
        return
    try:
        address = ip_address(client_ip) if client_ip else None
    except ValueError:
        address = None
    if address is None or not any(address in network for network in service.authorized_cidrs):
        raise ForbiddenError(
            "requests from this address are not allowed for this service; call from one of "
            "its authorized networks, or ask the operator to authorize yours"
        )


def check_message_entitlements(
    service: Service, fiscal_code: str, message: NewMessage, *, test: bool = False
) -> None:
    """Raises ForbiddenError when the service's contract or settings forbid this message;
    with `test` (a TEST key), when the recipient is not a sandbox fiscal code."""
    if message.feature_level_type is FeatureLevel.ADVANCED and service.tier is not Tier.PREMIUM:
        raise ForbiddenError(
            "feature_level_type ADVANCED needs a Premium contract; send STANDARD, or ask the "
            "operator to move the service to Premium",
            "/feature_level_type",
        )
    if message.content.attachments:
        if service.tier is not Tier.PREMIUM:
            raise ForbiddenError(
                "attachments need a Premium contract; send the message without attachments, "
                "or ask the operator to move the service to Premium",
                "/content/attachments",
            )
        if message.feature_level_type is not FeatureLevel.ADVANCED:
            raise ForbiddenError(
                "attachments are a Premium feature: send them with feature_level_type ADVANCED",
                "/content/attachments",
            )
    payment = message.content.payment_data
    if payment is not None:
        if service.max_allowed_payment_amount == 0:
            raise ForbiddenError(
                "this service may not send payment notices; ask the operator to set its "
                "max_allowed_payment_amount",
                "/content/payment_data",
            )
        if payment.amount > service.max_allowed_payment_amount:
            raise ForbiddenError(
                f"amount exceeds this service's max_allowed_payment_amount of "
                f"{service.max_allowed_payment_amount} euro cents",
                "/content/payment_data/amount",
            )
    if test:
        # The sandbox is every test key's, in limited mode too: it reaches nobody.
        check_test_recipient(fiscal_code)
    elif service.is_limited and fiscal_code not in service.authorized_recipients:
        raise ForbiddenError(
            "this service is in limited (trial) mode and may only write to its authorized "
            "recipients; ask the operator to add this recipient or to lift the limit",
            "/fiscal_code",
        )
