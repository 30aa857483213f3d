"""Status callbacks: the https URL a service registers to hear of its messages' status, the
secrets that sign each POST (stored only sealed, see shared/adapters/secret_box.py), what one
delivery attempt came to, and which URLs and addresses a callback may reach.

A callback URL is chosen by an institution and called by the app from inside the platform,
so it is a way into the platform's network (SSRF) unless it is held to public addresses: the
URL is checked when it is registered (https, a public name or address, no credentials), and
every address its name resolves to is checked again when a POST connects
(shared/adapters/callback_http.py), since DNS may answer differently by then.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import TypeAlias
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.errors import AlreadyExistsError

MAX_CALLBACK_URL_LENGTH = 2048
# One secret, or two while a rotation overlaps: the new one and the one it replaces.
MAX_CALLBACK_SECRETS = 2
SECRET_ID_PREFIX = "cbs_"  # noqa: S105  # names a secret, is none
SECRET_BYTES = 32
# Hosts a callback may name over plain http, and only where CALLBACK_ALLOW_LOOPBACK_HTTP
# is set (make run and the tests: the app refuses that setting outside the emulators).
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})

IPAddress: TypeAlias = IPv4Address | IPv6Address


class SealedSecret(BaseModel):
    """One signing secret as stored: encrypted for its service (`sealed`), named by an id
    that is not secret, so operators can tell secrets apart without seeing them."""

    model_config = ConfigDict(frozen=True)

    id: str
    sealed: str = Field(repr=False)
    created_at: datetime


class CallbackTarget(BaseModel):
    """Where a service's status events go, and the secrets that sign them, newest last."""

    model_config = ConfigDict(frozen=True)

    url: str
    secrets: tuple[SealedSecret, ...] = Field(min_length=1, max_length=MAX_CALLBACK_SECRETS)

    @property
    def newest(self) -> SealedSecret:
        return self.secrets[-1]

    def with_new_secret(self, secret: SealedSecret) -> CallbackTarget:
        """This target signing with `secret` too, the current one kept for the overlap.

        Raises AlreadyExistsError when two secrets are already in use: dropping one the
        receiver may still verify with is the operator's decision (retire), not a side effect.
        """
        if len(self.secrets) >= MAX_CALLBACK_SECRETS:
            raise AlreadyExistsError(
                "the callback already has two secrets (a rotation is under way): retire the "
                "older one first"
            )
        return self.model_copy(update={"secrets": (*self.secrets, secret)})

    def newest_only(self) -> CallbackTarget:
        """This target signing with its newest secret alone (the rotation is over)."""
        return self.model_copy(update={"secrets": (self.newest,)})


def new_secret_id() -> str:
    """A short random name for a secret (not secret itself)."""
    return SECRET_ID_PREFIX + secrets.token_hex(4)


def new_signing_secret() -> str:
    """A new signing secret as shown to the institution, once. The HMAC key is this text's
    UTF-8 bytes (shared/domain/callback_signature.py), exactly as printed."""
    return secrets.token_urlsafe(SECRET_BYTES)


# --- what one delivery attempt came to ------------------------------------------------------
# `why` is for logs and the operator: it never holds the receiver's response body.


@dataclass(frozen=True)
class Delivered:
    """The receiver answered 2xx."""

    status: int


@dataclass(frozen=True)
class RetryLater:
    """Worth trying again: a timeout, no connection, 408, 429, 5xx. `retry_after_seconds`
    is the receiver's Retry-After (429, 503), already capped, or None."""

    why: str
    retry_after_seconds: float | None = None


@dataclass(frozen=True)
class Refused:
    """Final: the receiver said no for good (a 4xx other than 408 and 429, a redirect), or
    the URL or the address it resolves to may not be called."""

    why: str


CallbackOutcome: TypeAlias = Delivered | RetryLater | Refused


# --- which addresses a callback may reach ---------------------------------------------------

# Not global, whatever a given Python version's tables say of them.
_NEVER = (
    IPv4Network("0.0.0.0/8"),
    IPv4Network("10.0.0.0/8"),
    IPv4Network("100.64.0.0/10"),  # carrier-grade NAT
    IPv4Network("127.0.0.0/8"),
    IPv4Network("169.254.0.0/16"),  # link-local, the clouds' metadata at 169.254.169.254
    IPv4Network("172.16.0.0/12"),
    IPv4Network("192.0.0.0/24"),
    IPv4Network("192.168.0.0/16"),
    IPv4Network("198.18.0.0/15"),
    IPv4Network("224.0.0.0/3"),  # multicast and reserved, up to the broadcast address
    IPv6Network("::/8"),
    IPv6Network("64:ff9b:1::/48"),  # local-use NAT64
    IPv6Network("fc00::/7"),  # unique local, AWS's metadata at fd00:ec2::254
    IPv6Network("fe80::/10"),
    IPv6Network("ff00::/8"),
)
# IPv6 forms that carry an IPv4 address the traffic ends up at: the IPv4 one is judged.
_NAT64 = IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = IPv6Network("2002::/16")


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _SIX_TO_FOUR:
        return address.sixtofour
    return None


def is_public_address(address: IPAddress) -> bool:
    """Whether a callback may connect to `address`: a global unicast address, never
    loopback, private, link-local (cloud metadata), CGNAT, multicast, reserved or unspecified."""
    if isinstance(address, IPv6Address):
        if address.scope_id:
            return False
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public_address(embedded)
    if any(address in network for network in _NEVER if network.version == address.version):
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


def may_connect_to(address: IPAddress, *, allow_loopback: bool) -> bool:
    """Whether a callback POST may connect to `address` (loopback only when allowed)."""
    if allow_loopback and isinstance(address, IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return is_public_address(address) or (allow_loopback and address.is_loopback)


# --- which URLs a service may register ------------------------------------------------------

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
# At least two labels, the last one a real top-level domain: letters, or an IDN's xn-- form.
# So no single-label names (resolved through search domains, to internal hosts) and no
# numeric forms the resolver would read as an address (2130706433, 127.1, 0x7f.1).
_HOST_NAME = re.compile(rf"(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})")
# Names that are local by definition or by convention, never reachable from the internet.
_LOCAL_NAMES = ("localhost", "local", "internal", "home.arpa", "localdomain", "lan", "intranet")


def _is_local_name(host: str) -> bool:
    return any(host == name or host.endswith("." + name) for name in _LOCAL_NAMES)


def _host_errors(host: str, *, allow_loopback_http: bool) -> list[str]:
    try:
        address = ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        if may_connect_to(address, allow_loopback=allow_loopback_http):
            return []
        return [f"the address {host} is not public (loopback, private, link-local or reserved)"]
    if allow_loopback_http and host == "localhost":
        return []
    if _is_local_name(host):
        return [f"{host} names a local host, not one reachable from the internet"]
    if len(host) > 253 or not _HOST_NAME.fullmatch(host):
        return [
            f"{host!r} is neither a fully qualified DNS name (international names in their "
            "xn-- form) nor an IP address"
        ]
    return []


def callback_url_errors(url: str, *, allow_loopback_http: bool) -> list[str]:
    """What is wrong with `url` as a callback URL (empty when nothing is).

    It must be https, name a public host (a DNS name, or a public IP address), carry no user
    name, password or fragment, and be at most MAX_CALLBACK_URL_LENGTH characters.
    `allow_loopback_http` (local runs and tests only) also lets it be http or https to
    127.0.0.1, ::1 or localhost.
    """
    if len(url) > MAX_CALLBACK_URL_LENGTH:
        return [f"a callback URL has at most {MAX_CALLBACK_URL_LENGTH} characters"]
    if not url.isascii() or any(char.isspace() or not char.isprintable() for char in url):
        return ["a callback URL is ASCII without spaces or control characters (percent-encode)"]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ["not a URL (a bracketed IPv6 address or a port from 1 to 65535 is malformed)"]
    host = (parts.hostname or "").lower()
    errors = []
    scheme = parts.scheme.lower()
    loopback_host = host in LOOPBACK_HOSTS
    if scheme == "http":
        if not (allow_loopback_http and loopback_host):
            errors.append("a callback URL must use https")
    elif scheme != "https":
        errors.append("a callback URL must use https")
    if not host:
        errors.append("a callback URL names its host")
    if "@" in parts.netloc:
        errors.append("a callback URL must not carry a user name or password")
    if "#" in url:
        errors.append("a callback URL must not have a fragment (#...)")
    if port == 0:
        errors.append("a callback URL's port is from 1 to 65535")
    if host:
        errors += _host_errors(host, allow_loopback_http=allow_loopback_http)
    return errors
