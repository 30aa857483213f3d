"""What a Cosmos SDK error means for a write: nothing done, or maybe done."""

from __future__ import annotations

import pytest
from azure.core.exceptions import (
    ServiceRequestError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)
from azure.cosmos import exceptions

from shared.adapters.cosmos_client import domain_errors
from shared.domain.errors import (
    AlreadyExistsError,
    ConcurrentUpdateError,
    OutcomeUnknownError,
    StorageUnavailableError,
)


def _raised(error: Exception) -> type[BaseException]:
    try:
        with domain_errors():
            raise error
    except Exception as mapped:  # the mapping under test decides the type
        return type(mapped)
    raise AssertionError("domain_errors swallowed the error")


@pytest.mark.parametrize(
    "error",
    [
        ServiceRequestError("connection refused"),
        exceptions.CosmosHttpResponseError(status_code=429, message="throttled"),
        exceptions.CosmosHttpResponseError(status_code=449, message="retry with"),
        exceptions.CosmosHttpResponseError(status_code=503, message="unavailable"),
    ],
    ids=["not-sent", "429", "449", "503"],
)
def test_an_error_before_anything_was_done_is_storage_unavailable(error):
    assert _raised(error) is StorageUnavailableError


@pytest.mark.parametrize(
    "error",
    [
        ServiceResponseError("connection reset while reading the answer"),
        ServiceResponseTimeoutError("read timed out"),
        exceptions.CosmosClientTimeoutError(),
        exceptions.CosmosHttpResponseError(status_code=408, message="timeout"),
        exceptions.CosmosHttpResponseError(status_code=500, message="internal"),
        exceptions.CosmosHttpResponseError(status_code=504, message="gateway timeout"),
    ],
    ids=["reply-lost", "read-timeout", "client-timeout", "408", "500", "504"],
)
def test_an_error_after_the_request_went_out_is_outcome_unknown(error):
    assert _raised(error) is OutcomeUnknownError


def test_conflicts_keep_their_meaning():
    exists = exceptions.CosmosResourceExistsError(status_code=409, message="exists")
    changed = exceptions.CosmosAccessConditionFailedError(status_code=412, message="etag")
    assert _raised(exists) is AlreadyExistsError
    assert _raised(changed) is ConcurrentUpdateError


def test_a_client_error_is_not_hidden():
    bad = exceptions.CosmosHttpResponseError(status_code=400, message="bad request")
    assert _raised(bad) is exceptions.CosmosHttpResponseError
