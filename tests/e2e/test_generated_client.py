"""A client generated from docs/openapi.yaml (openapi-python-client) works against the app
over HTTP: it sends the key as the README shows, and parses the real answers into its
models."""

from __future__ import annotations

import json
import textwrap

import pytest

from shared.bootstrap import build_app
from shared.services.onboarding import register_citizen
from tests.builders import FISCAL_CODE, MARKDOWN, SUBJECT
from tests.clients.generator import client_of, run_with_client
from tests.e2e.conftest import register_service

SEND_AND_READ = textwrap.dedent(
    """
    import json, sys
    from postino_client import AuthenticatedClient
    from postino_client.api.messages import (
        get_message_by_id,
        submit_messagefor_user_with_fiscal_code_in_body,
    )
    from postino_client.api.profiles import get_profile_by_post
    from postino_client.models import (
        GetLimitedProfileByPOSTPayload,
        LimitedProfile,
        NewMessageContent,
        NewMessageWithRecipient,
    )

    base_url, key, fiscal_code, subject, markdown = sys.argv[1:]
    client = AuthenticatedClient(
        base_url=base_url, token=key, prefix="", auth_header_name="Ocp-Apim-Subscription-Key"
    )
    profile = get_profile_by_post.sync_detailed(
        client=client, body=GetLimitedProfileByPOSTPayload(fiscal_code=fiscal_code)
    )
    message = NewMessageWithRecipient(
        fiscal_code=fiscal_code,
        content=NewMessageContent(subject=subject, markdown=markdown),
        third_party_data={"id": "ext-1"},
    )
    sent = submit_messagefor_user_with_fiscal_code_in_body.sync_detailed(
        client=client, body=message
    )
    read = get_message_by_id.sync_detailed(sent.parsed.id, client=client)
    json.dump(
        {
            "profile": [int(profile.status_code), isinstance(profile.parsed, LimitedProfile)],
            "sent": [int(sent.status_code), sent.headers.get("Postino-Ignored-Fields")],
            "read": [
                int(read.status_code),
                type(read.parsed).__name__,
                read.parsed.message.content.subject,
            ],
        },
        sys.stdout,
    )
    """
)


@pytest.fixture(scope="module")
def citizen(local_stack) -> str:
    register_citizen(FISCAL_CODE, profiles=build_app(local_stack.settings).profiles)
    return FISCAL_CODE


def test_a_generated_client_sends_and_reads_a_message(
    offline_host, local_stack, citizen, tmp_path_factory
):
    # GIVEN a client generated from the document, and a service's key
    client = client_of("openapi.yaml", tmp_path_factory)
    assert client.returncode == 0, client.output
    key = register_service(local_stack.settings)
    # WHEN it checks the recipient, sends a message and reads it back
    done = run_with_client(
        client,
        SEND_AND_READ,
        offline_host.url("/api"),
        key,
        citizen,
        SUBJECT,
        MARKDOWN,
    )
    # THEN every call is authenticated by the key, and every answer fits the client's models
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["profile"] == [200, True]
    assert result["sent"] == [201, "third_party_data"]
    assert result["read"] == [200, "MessageResponseWithContent", SUBJECT]
