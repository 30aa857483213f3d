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
from shared.adapters.transport import BUDGETS, Endpoint, budgeted_transport
from shared.domain.errors import (
    AlreadyExistsError,
    ConcurrentUpdateError,
    OutcomeUnknownError,
    StorageUnavailableError,
)

# Answers that say the request was refused before anything was done: throttled (429), told
# to retry a conflicting write (449), unavailable (503: the SDK itself retries writes on it).
# A retry may succeed.
_REFUSED_STATUS = {429, 449, 503}
# Answers after which a retry may succeed, but a write may have been carried out: the
# gateway timed out or failed while the request was in the service's hands.
_UNKNOWN_OUTCOME_STATUS = {408, 500, 502, 504}


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
    budget = BUDGETS[Endpoint.COSMOS]
    # The constructor already asks the account for its regions: it can fail like any call.
    with domain_errors():
        return CosmosClient(
            endpoint,
            credential=cosmos_credential(key),
            connection_verify=verify_tls,
            transport=budgeted_transport(Endpoint.COSMOS),
            connection_timeout=budget.connect_seconds,
            read_timeout=budget.read_seconds,
            # Throttling (429) and connection retries: a few quick ones, then the caller's
            # own handling (a 503 with Retry-After, the queue's retry).
            retry_total=budget.retries,
            retry_connect=budget.retries,
            retry_read=budget.retries,
            retry_backoff_factor=budget.backoff_seconds,
            retry_backoff_max=2,
        )


@contextmanager
def domain_errors() -> Iterator[None]:
    """Translate the SDK's errors into AlreadyExistsError, ConcurrentUpdateError,
    StorageUnavailableError (nothing was done) and OutcomeUnknownError (the request went out
    and its answer was lost: a write may have landed); anything else propagates unchanged."""
    try:
        yield
    except exceptions.CosmosResourceExistsError as exc:
        raise AlreadyExistsError("a record with this id already exists") from exc
    except exceptions.CosmosAccessConditionFailedError as exc:
        raise ConcurrentUpdateError("the record changed since it was read") from exc
    except exceptions.CosmosHttpResponseError as exc:
        if exc.status_code in _REFUSED_STATUS:
            raise StorageUnavailableError(f"Cosmos DB answered {exc.status_code}") from exc
        if exc.status_code in _UNKNOWN_OUTCOME_STATUS:
            raise OutcomeUnknownError(f"Cosmos DB answered {exc.status_code}") from exc
        raise
    except ServiceRequestError as exc:
        # The SDK raises this only when the request could not be sent (no connection).
        raise StorageUnavailableError("Cosmos DB is unreachable") from exc
    except ServiceResponseError as exc:
        raise OutcomeUnknownError("Cosmos DB's answer was lost") from exc
    except exceptions.CosmosClientTimeoutError as exc:
        raise OutcomeUnknownError("Cosmos DB did not answer in time") from exc
    except ClientAuthenticationError as exc:
        # No token for the identity: in Azure a passing failure of the managed identity
        # endpoint; on an operator's machine, no `az login`.
        raise StorageUnavailableError(
            "cannot sign in to Cosmos DB with the identity (operators: az login)"
        ) from exc
    except AzureError as exc:
        if "timeout" in type(exc).__name__.lower():
            raise OutcomeUnknownError("Cosmos DB timed out") from exc
        raise
