"""Each internal API consumer reaches only its own functions, in Azure (App Service
authentication, app roles) and locally (a bearer token each)."""

from __future__ import annotations

import base64
import json

import azure.functions as func
import pytest

from shared.config import InternalApiAccess, InvalidSettingError, MissingSettingError, Settings
from shared.domain.consumers import Consumer, InternalAuthMode, LocalTokens
from shared.domain.errors import AuthenticationError, ForbiddenError
from shared.entrypoints.internal_api import admit

CITIZEN_TOKEN = "citizen-backend-token-1234"
PAYMENT_TOKEN = "payment-platform-token-5678"
LOCAL = InternalApiAccess(
    mode=InternalAuthMode.LOCAL,
    local_tokens=LocalTokens.parse(
        f"CitizenBackend={CITIZEN_TOKEN};PaymentPlatform={PAYMENT_TOKEN}"
    ),
)
ENTRA = InternalApiAccess(mode=InternalAuthMode.ENTRA, platform_auth_enabled=True)


def _request(**headers: str) -> func.HttpRequest:
    return func.HttpRequest(
        "GET", "http://localhost/api/v1/citizen/profile", headers=headers, body=b""
    )


def _principal(*roles: str, role_type: str = "roles") -> str:
    claims = [{"typ": "aud", "val": "api://postino"}] + [
        {"typ": role_type, "val": r} for r in roles
    ]
    document = {"auth_typ": "aad", "claims": claims, "name_typ": "name", "role_typ": role_type}
    return base64.b64encode(json.dumps(document).encode()).decode()


# --- locally: a bearer token per consumer ---


@pytest.mark.parametrize(
    ("consumer", "token"),
    [(Consumer.CITIZEN_BACKEND, CITIZEN_TOKEN), (Consumer.PAYMENT_PLATFORM, PAYMENT_TOKEN)],
)
def test_each_consumers_token_opens_its_own_functions(consumer, token):
    admit(_request(Authorization=f"Bearer {token}"), consumer, LOCAL)


@pytest.mark.parametrize(
    ("consumer", "token"),
    [(Consumer.CITIZEN_BACKEND, PAYMENT_TOKEN), (Consumer.PAYMENT_PLATFORM, CITIZEN_TOKEN)],
)
def test_a_consumers_token_is_refused_on_the_other_consumers_functions(consumer, token):
    with pytest.raises(ForbiddenError):
        admit(_request(Authorization=f"Bearer {token}"), consumer, LOCAL)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-known-token-at-all"},
        {"Authorization": f"Basic {CITIZEN_TOKEN}"},
        {"x-functions-key": "local-function-key"},
        # A principal header is never trusted locally.
        {"X-MS-CLIENT-PRINCIPAL": _principal(Consumer.CITIZEN_BACKEND.value)},
    ],
    ids=["none", "unknown", "not-bearer", "function-key", "forged-principal"],
)
def test_without_a_known_token_the_call_is_unauthenticated(headers):
    with pytest.raises(AuthenticationError):
        admit(_request(**headers), Consumer.CITIZEN_BACKEND, LOCAL)


# --- in Azure: App Service authentication and app roles ---


def test_an_entra_principal_with_the_consumers_role_is_admitted():
    admit(
        _request(**{"X-MS-CLIENT-PRINCIPAL": _principal("PaymentPlatform")}),
        Consumer.PAYMENT_PLATFORM,
        ENTRA,
    )


def test_roles_under_the_long_claim_type_count_too():
    long_type = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"
    principal = _principal("CitizenBackend", role_type=long_type)
    admit(_request(**{"X-MS-CLIENT-PRINCIPAL": principal}), Consumer.CITIZEN_BACKEND, ENTRA)


def test_an_entra_principal_of_the_other_consumer_is_forbidden():
    principal = _principal("PaymentPlatform")
    with pytest.raises(ForbiddenError, match="CitizenBackend"):
        admit(_request(**{"X-MS-CLIENT-PRINCIPAL": principal}), Consumer.CITIZEN_BACKEND, ENTRA)


def test_a_principal_is_not_trusted_when_app_service_authentication_is_off():
    # Without the platform in front, anyone could send the header.
    off = InternalApiAccess(mode=InternalAuthMode.ENTRA, platform_auth_enabled=False)
    principal = _principal("CitizenBackend")
    with pytest.raises(AuthenticationError, match="not enabled"):
        admit(_request(**{"X-MS-CLIENT-PRINCIPAL": principal}), Consumer.CITIZEN_BACKEND, off)


@pytest.mark.parametrize("principal", [None, "not base64!", base64.b64encode(b"[]").decode()])
def test_no_principal_or_an_unreadable_one_is_unauthenticated(principal):
    headers = {} if principal is None else {"X-MS-CLIENT-PRINCIPAL": principal}
    with pytest.raises(AuthenticationError):
        admit(_request(**headers), Consumer.CITIZEN_BACKEND, ENTRA)


# --- the network restriction ---


def test_outside_the_allowed_networks_even_a_good_credential_is_forbidden():
    access = InternalApiAccess(
        mode=LOCAL.mode,
        local_tokens=LOCAL.local_tokens,
        allowed_cidrs=Settings.from_env(
            _env(INTERNAL_API_ALLOWED_CIDRS="10.20.0.0/16")
        ).internal_api.allowed_cidrs,
    )
    good = {"Authorization": f"Bearer {CITIZEN_TOKEN}"}
    admit(
        _request(**good, **{"X-Forwarded-For": "10.20.3.4:50000"}), Consumer.CITIZEN_BACKEND, access
    )
    for outside in ({"X-Forwarded-For": "192.0.2.7:50000"}, {}):
        with pytest.raises(ForbiddenError, match="network"):
            admit(_request(**good, **outside), Consumer.CITIZEN_BACKEND, access)


# --- the settings ---


def _env(**values: str) -> dict[str, str]:
    return {
        "AzureWebJobsStorage": "UseDevelopmentStorage=true",
        "COSMOS_ENDPOINT": "https://127.0.0.1:8081/",
        "COSMOS_KEY": "a-key",
        "COSMOS_VERIFY_TLS": "false",
        "MESSAGES_QUEUE": "messages-created",
        "CITIZEN_HASH_KEY": "k",
        "CALLBACK_SECRETS_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        **values,
    }


def test_without_a_setting_the_internal_api_expects_microsoft_entra():
    access = Settings.from_env(_env()).internal_api
    assert access.mode is InternalAuthMode.ENTRA
    assert not access.platform_auth_enabled
    assert Settings.from_env(_env(WEBSITE_AUTH_ENABLED="True")).internal_api.platform_auth_enabled


def test_local_tokens_are_for_the_emulators_only():
    env = _env(INTERNAL_API_AUTH="local", LOCAL_CONSUMER_TOKENS=f"CitizenBackend={CITIZEN_TOKEN}")
    del env["COSMOS_KEY"]
    env["COSMOS_VERIFY_TLS"] = "true"
    with pytest.raises(InvalidSettingError, match="local emulators only"):
        Settings.from_env(env)


@pytest.mark.parametrize(
    ("tokens", "complaint"),
    [
        ("", "LOCAL_CONSUMER_TOKENS is not set"),
        ("CitizenBackend=short", "at least 16"),
        ("Someone=abcdefghijklmnopqrst", "unknown consumer"),
        (f"CitizenBackend={CITIZEN_TOKEN};PaymentPlatform={CITIZEN_TOKEN}", "share one token"),
    ],
)
def test_bad_local_tokens_are_refused_at_start(tokens, complaint):
    with pytest.raises((InvalidSettingError, MissingSettingError), match=complaint):
        Settings.from_env(_env(INTERNAL_API_AUTH="local", LOCAL_CONSUMER_TOKENS=tokens))


def test_a_bad_network_is_refused_at_start():
    with pytest.raises(InvalidSettingError, match="not a network"):
        Settings.from_env(_env(INTERNAL_API_ALLOWED_CIDRS="10.0.0.0/8, nonsense"))


def test_a_token_is_kept_only_as_its_digest():
    assert CITIZEN_TOKEN not in repr(LOCAL) + str(LOCAL.local_tokens.digests)
