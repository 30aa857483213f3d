"""The API's base URL: https, or plain http to this machine only.

Every request carries the service's API key in a header: over plain http anyone on the path
reads it, so http is refused except to the loopback names and addresses (a local stack).
"""

from __future__ import annotations

from urllib.parse import urlsplit

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class InsecureApiUrlError(ValueError):
    """The URL would send the API key in clear, or is not an http(s) URL at all."""


def checked_api_url(url: str) -> str:
    """`url`, once it is https, or http to localhost, 127.0.0.1 or ::1.

    Raises InsecureApiUrlError saying why not.
    """
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        raise InsecureApiUrlError(f"{url!r} is not a URL") from None
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and host in LOOPBACK_HOSTS:
        return url
    if parts.scheme == "http":
        raise InsecureApiUrlError(
            f"refusing {url}: plain http would send the API key in clear; use https:// "
            f"(http:// is allowed only to {', '.join(sorted(LOOPBACK_HOSTS))})"
        )
    raise InsecureApiUrlError(f"{url!r} is not an https:// URL")
