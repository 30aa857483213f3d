"""A usual generator reads each OpenAPI document whole: openapi-python-client makes a client
from it with no warning, a module for every operation, and the README's way of sending the
subscription key works with it (tests/clients/generator.py runs the generator)."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

from tests.clients.generator import (
    DOCUMENTS,
    HTTP_METHODS,
    Generated,
    client_of,
    run_with_client,
)


@pytest.fixture(params=sorted(DOCUMENTS))
def generated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Generated:
    return client_of(request.param, tmp_path_factory)


def test_the_generator_reads_the_document_without_a_warning(generated: Generated):
    # A clean run prints only "Generating <path>"; anything else is a warning, a skipped
    # endpoint or model, or a failed hook.
    lines = [line.strip() for line in generated.output.splitlines() if line.strip()]
    unexpected = [line for line in lines if not line.startswith("Generating ")]
    assert unexpected == [], generated.output
    assert generated.returncode == 0, generated.output


def _operation_ids(document: dict[str, Any]) -> set[str]:
    return {
        operation["operationId"]
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def _squashed(name: str) -> str:
    """A name without case or underscores: the generator's snake_case of an operationId
    (`getProfileByPOST` is `get_profile_by_post`) squashes to the id's own squashing."""
    return name.replace("_", "").lower()


def test_every_operation_has_its_module_in_the_client(generated: Generated):
    operations = _operation_ids(generated.document)
    assert operations
    modules = {
        path.stem
        for path in (generated.package / "api").glob("*/*.py")
        if path.name != "__init__.py"
    }
    assert sorted(_squashed(module) for module in modules) == sorted(
        _squashed(operation) for operation in operations
    )


IMPORT_EVERY_MODULE = textwrap.dedent(
    """
    import importlib, pkgutil, sys
    package = importlib.import_module(sys.argv[1])
    names = [module.name for module in pkgutil.walk_packages(package.__path__, sys.argv[1] + ".")]
    for name in names:
        importlib.import_module(name)
    print(len(names))
    """
)


def test_every_generated_module_imports(generated: Generated):
    # With only the generator's own dependencies (httpx, attrs) installed.
    done = run_with_client(generated, IMPORT_EVERY_MODULE, generated.package.name)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > len(_operation_ids(generated.document))


# The README's snippet (API section), against a fake transport: the key reaches the server
# in Ocp-Apim-Subscription-Key, and the 201's headers reach the caller.
SEND_WITH_THE_KEY = textwrap.dedent(
    """
    import json, sys
    import httpx
    from postino_client import AuthenticatedClient
    from postino_client.api.messages import submit_messagefor_user_with_fiscal_code_in_body
    from postino_client.models import NewMessageContent, NewMessageWithRecipient

    seen = {}

    def answer(request):
        seen.update(headers=dict(request.headers), body=json.loads(request.content))
        return httpx.Response(
            201,
            json={"id": "01JCZ3M6Q4N8T5V7W9X0Y1Z2AB"},
            headers={"Postino-Ignored-Fields": "third_party_data"},
        )

    client = AuthenticatedClient(
        base_url="https://postino.example.org/api",
        token="the-key",
        prefix="",
        auth_header_name="Ocp-Apim-Subscription-Key",
        httpx_args={"transport": httpx.MockTransport(answer)},
    )
    message = NewMessageWithRecipient(
        fiscal_code="RSSMRA80A01H501U",
        content=NewMessageContent(subject="Your identity card is ready", markdown="m" * 80),
    )
    response = submit_messagefor_user_with_fiscal_code_in_body.sync_detailed(
        client=client, body=message, idempotency_key="k-1"
    )
    json.dump(
        {
            "status": int(response.status_code),
            "id": response.parsed.id,
            "ignored": response.headers.get("Postino-Ignored-Fields"),
            "sent": seen,
        },
        sys.stdout,
    )
    """
)


def test_a_generated_client_sends_the_subscription_key_as_the_readme_shows(
    tmp_path_factory: pytest.TempPathFactory,
):
    client = client_of("openapi.yaml", tmp_path_factory)
    assert client.returncode == 0, client.output
    done = run_with_client(client, SEND_WITH_THE_KEY)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    sent = result["sent"]
    assert sent["headers"]["ocp-apim-subscription-key"] == "the-key"
    assert "authorization" not in sent["headers"]
    assert sent["headers"]["idempotency-key"] == "k-1"
    assert sent["body"]["fiscal_code"] == "RSSMRA80A01H501U"
    assert result["status"] == 201
    assert result["id"] == "01JCZ3M6Q4N8T5V7W9X0Y1Z2AB"
    assert result["ignored"] == "third_party_data"
