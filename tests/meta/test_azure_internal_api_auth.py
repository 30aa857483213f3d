"""The Bicep turns on App Service authentication for the internal API's consumers, as the app
expects it (shared/entrypoints/internal_api.py trusts the client principal only then)."""

from __future__ import annotations

from tests.meta.bicep_text import MODULES, module_params, resources_of_type

FUNCTION_APP = MODULES / "function-app.bicep"


def _auth_settings() -> str:
    (auth,) = [
        resource
        for resource in resources_of_type(FUNCTION_APP, "Microsoft.Web/sites/config")
        if "'authsettingsV2'" in resource.body
    ]
    return auth.body


def test_app_service_authentication_validates_entra_tokens_for_postinos_registration():
    body = _auth_settings()
    assert "azureActiveDirectory" in body
    assert "clientId: entraApiClientId" in body
    assert "'api://${entraApiClientId}'" in body


def test_anonymous_requests_still_reach_the_app_for_the_institution_api():
    body = _auth_settings()
    assert "requireAuthentication: false" in body
    assert "unauthenticatedClientAction: 'AllowAnonymous'" in body


def test_the_app_registration_is_passed_down_from_the_main_template():
    assert module_params("functionApp")["entraApiClientId"] == "entraApiClientId"
