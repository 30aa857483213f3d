"""Who may call the internal API, and how a caller proves who it is.

The internal API serves two consumers, each reaching only its own functions: the citizen
app's back end (the citizen API) and the payment platform (payment events). Operators reach
the stores with their own Microsoft Entra identity and the host's admin endpoints with the
master key; they hold no internal API credential.

In Azure a consumer presents a Microsoft Entra access token for the app; App Service
authentication validates it and hands the app its claims in the `X-MS-CLIENT-PRINCIPAL`
header, which callers cannot set themselves. The app then requires the consumer's app role.
Locally (and under Core Tools, which has no App Service authentication) each consumer has a
bearer token of its own, set in local settings.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass

from shared.domain.compat import StrEnum
from shared.domain.errors import AuthenticationError, ForbiddenError


class Consumer(StrEnum):
    """The internal API's consumers; the value is the Entra app role each one is granted."""

    CITIZEN_BACKEND = "CitizenBackend"
    PAYMENT_PLATFORM = "PaymentPlatform"


# The internal API's functions (their folders), and the one consumer each serves; every
# other HTTP function is the institution API.
INTERNAL_FUNCTIONS: Mapping[str, Consumer] = {
    "CitizenInbox": Consumer.CITIZEN_BACKEND,
    "CitizenMessage": Consumer.CITIZEN_BACKEND,
    "CitizenProfile": Consumer.CITIZEN_BACKEND,
    "PaymentEvents": Consumer.PAYMENT_PLATFORM,
}


class InternalAuthMode(StrEnum):
    ENTRA = "entra"  # App Service authentication, app roles (Azure)
    LOCAL = "local"  # a bearer token per consumer from local settings


# Claim types under which App Service puts app roles when a principal does not name its own.
_ROLE_CLAIM_TYPES = ("roles", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role")
# A local token shorter than this is refused at start: it could be guessed.
MIN_LOCAL_TOKEN_LENGTH = 16


def token_digest(token: str) -> str:
    """How a local token is kept: its SHA-256, so that the comparison is over digests."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class LocalTokens:
    """Each consumer's local bearer token, kept as its digest (pairs, so that settings
    holding them stay hashable)."""

    digests: tuple[tuple[Consumer, str], ...] = ()

    @classmethod
    def parse(cls, text: str) -> LocalTokens:
        """`consumer=token` pairs separated by `;`, e.g.
        `CitizenBackend=...;PaymentPlatform=...`. Raises ValueError naming what is wrong
        (never the token)."""
        digests: dict[Consumer, str] = {}
        for pair in filter(None, (part.strip() for part in text.split(";"))):
            name, _, token = pair.partition("=")
            try:
                consumer = Consumer(name.strip())
            except ValueError:
                known = ", ".join(c.value for c in Consumer)
                raise ValueError(f"unknown consumer {name.strip()!r} (known: {known})") from None
            if len(token.strip()) < MIN_LOCAL_TOKEN_LENGTH:
                raise ValueError(
                    f"the token of {consumer} must have at least "
                    f"{MIN_LOCAL_TOKEN_LENGTH} characters"
                )
            digests[consumer] = token_digest(token.strip())
        if len(set(digests.values())) != len(digests):
            raise ValueError("two consumers share one token: give each its own")
        return cls(tuple(digests.items()))

    def consumer_of(self, token: str) -> Consumer | None:
        """The consumer holding `token`, compared in constant time, or None."""
        digest = token_digest(token)
        found = None
        for consumer, expected in self.digests:
            if hmac.compare_digest(digest, expected):
                found = consumer
        return found


def roles_of_principal(encoded: str) -> frozenset[str]:
    """The app roles in an `X-MS-CLIENT-PRINCIPAL` header (base64 JSON of the token's
    claims). Raises AuthenticationError when it cannot be read."""
    try:
        principal = json.loads(base64.b64decode(encoded, validate=True))
        claims = principal["claims"]
        role_type = principal.get("role_typ") or _ROLE_CLAIM_TYPES[0]
        return frozenset(
            str(claim["val"])
            for claim in claims
            if claim.get("typ") in {role_type, *_ROLE_CLAIM_TYPES}
        )
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError):
        raise AuthenticationError("the client principal could not be read") from None


def require_consumer(found: Consumer | None, wanted: Consumer) -> None:
    """Raises AuthenticationError without a known credential, ForbiddenError for another
    consumer's."""
    if found is None:
        raise AuthenticationError("this credential is not known")
    if found is not wanted:
        raise ForbiddenError(f"this credential may not call the {_API_OF[wanted]}")


def require_role(roles: frozenset[str], wanted: Consumer) -> None:
    """Raises ForbiddenError unless `roles` hold `wanted`'s app role."""
    if wanted.value not in roles:
        raise ForbiddenError(
            f"this credential may not call the {_API_OF[wanted]}: it needs the app role "
            f"{wanted.value}"
        )


_API_OF = {
    Consumer.CITIZEN_BACKEND: "citizen API",
    Consumer.PAYMENT_PLATFORM: "payment events API",
}
