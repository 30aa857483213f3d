"""The app's Azure identity: the one credential every SDK client signs in with when no key is
configured (shared.config decides)."""

from __future__ import annotations

from functools import cache

from azure.identity import DefaultAzureCredential


@cache
def app_credential() -> DefaultAzureCredential:
    """The process's credential: the managed identity in Azure, the Azure CLI's sign-in
    (`az login`) on an operator's machine. One per process, so its tokens are cached once.

    Nothing is asked of Entra ID until a client first needs a token."""
    return DefaultAzureCredential()
