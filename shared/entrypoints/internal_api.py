"""What every call of the internal API does first: check the caller's network, then that
its credential is the one of the consumer the function serves (shared/domain/consumers.py).

A credential of the other consumer is a 403, none or an unknown one a 401: holding the
payment platform's credential opens no citizen's inbox, and the citizen back end's records
no payment.
"""

from __future__ import annotations

import logging
from ipaddress import ip_address

import azure.functions as func

from shared.config import InternalApiAccess
from shared.domain.consumers import (
    Consumer,
    InternalAuthMode,
    require_consumer,
    require_role,
    roles_of_principal,
)
from shared.domain.errors import AuthenticationError, ForbiddenError
from shared.http import client_ip

logger = logging.getLogger(__name__)

AUTHORIZATION_HEADER = "Authorization"
# Set by App Service authentication from the validated token; callers cannot set it.
PRINCIPAL_HEADER = "X-MS-CLIENT-PRINCIPAL"


def admit(req: func.HttpRequest, consumer: Consumer, access: InternalApiAccess) -> None:
    """Let the call through only from an allowed network and with `consumer`'s credential.

    Raises ForbiddenError (network, or another consumer's credential) and
    AuthenticationError (no credential, or an unknown one).
    """
    _check_network(req, access)
    if access.mode is InternalAuthMode.ENTRA:
        _check_entra(req, consumer, access)
    else:
        _check_local_token(req, consumer, access)


def _check_network(req: func.HttpRequest, access: InternalApiAccess) -> None:
    if not access.allowed_cidrs:
        return
    caller = client_ip(req.headers)
    address = ip_address(caller) if caller else None
    if address is None or not any(address in network for network in access.allowed_cidrs):
        raise ForbiddenError("the internal API may not be called from this network")


def _check_entra(req: func.HttpRequest, consumer: Consumer, access: InternalApiAccess) -> None:
    if not access.platform_auth_enabled:
        # Without App Service authentication in front, anyone could send the header.
        logger.error("internal API refused: App Service authentication is not enabled")
        raise AuthenticationError(
            "the internal API is closed: App Service authentication is not enabled on this "
            "app (operators: docs/deploy.md, 'The internal API's consumers')"
        )
    principal = req.headers.get(PRINCIPAL_HEADER)
    if not principal:
        raise AuthenticationError(
            "send a Microsoft Entra access token for this app: Authorization: Bearer <token>"
        )
    require_role(roles_of_principal(principal), consumer)


def _check_local_token(
    req: func.HttpRequest, consumer: Consumer, access: InternalApiAccess
) -> None:
    scheme, _, token = req.headers.get(AUTHORIZATION_HEADER, "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("send your consumer token: Authorization: Bearer <token>")
    require_consumer(access.local_tokens.consumer_of(token.strip()), consumer)
