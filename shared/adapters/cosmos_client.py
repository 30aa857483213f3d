"""Build the Cosmos DB client and map its errors to the domain's."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import urllib3
from azure.core.credentials import TokenCredential
from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.cosmos import CosmosClient, exceptions

from shared.adapters.identity import app_credential
from shared.domain.errors import AlreadyExistsError, ConcurrentUpdateError, StorageUnavailableError

# Status codes after which a retry may succeed: throttling, timeouts, unavailability.
_TRANSIENT_STATUS = {408, 429, 449, 500, 502, 503, 504}


def cosmos_credential(key: str | None) -> str | TokenCredential:
    """The account key when one is configured (the local emulator), else the app's identity
    (the managed identity in Azure, `az login` for an operator)."""
    return key if key is not None else app_credential()


def cosmos_client(endpoint: str, key: str | None, *, verify_tls: bool) -> CosmosClient:
    """The Cosmos client, signed with `key` or, without one, with the app's identity. Build
    one per worker process: it pools connections."""
    if not verify_tls:
        # Only the local emulator's self-signed certificate is ever accepted this way.
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    # The SDK logs endpoint health at WARNING on every hiccup of the local emulator.
    logging.getLogger("azure.cosmos").setLevel(logging.ERROR)
    # The constructor already asks the account for its regions: it can fail like any call.
    with domain_errors():
        return CosmosClient(
            endpoint, credential=cosmos_credential(key), connection_verify=verify_tls
        )


@contextmanager
def domain_errors() -> Iterator[None]:
    """Translate the SDK's errors into AlreadyExistsError, ConcurrentUpdateError and
    StorageUnavailableError; anything else propagates unchanged."""
    try:
        yield
    except exceptions.CosmosResourceExistsError as exc:
        raise AlreadyExistsError("a record with this id already exists") from exc
    except exceptions.CosmosAccessConditionFailedError as exc:
        raise ConcurrentUpdateError("the record changed since it was read") from exc
    except exceptions.CosmosHttpResponseError as exc:
        if exc.status_code in _TRANSIENT_STATUS:
            raise StorageUnavailableError(f"Cosmos DB answered {exc.status_code}") from exc
        raise
    except (ServiceRequestError, ServiceResponseError) as exc:
        raise StorageUnavailableError("Cosmos DB is unreachable") from exc
    except ClientAuthenticationError as exc:
        # No token for the identity: in Azure a passing failure of the managed identity
        # endpoint; on an operator's machine, no `az login`.
        raise StorageUnavailableError(
            "cannot sign in to Cosmos DB with the identity (operators: az login)"
        ) from exc
    except AzureError as exc:
        if "timeout" in type(exc).__name__.lower():
            raise StorageUnavailableError("Cosmos DB timed out") from exc
        raise
