"""The e2e package's log check (tests/e2e/log_privacy.py) finds what it must, and only that."""

from __future__ import annotations

import json
from typing import Any

import requests

from tests.builders import FISCAL_CODE
from tests.e2e.log_privacy import SentValues, app_source_text, findings


def _sent(body: dict[str, Any], key: str = "k-0123456789abcdef") -> SentValues:
    sent = SentValues()
    request = requests.Request(
        "POST",
        "http://127.0.0.1/api/v1/messages",
        json=body,
        headers={"Ocp-Apim-Subscription-Key": key},
    ).prepare()
    sent.add_request(request)
    return sent


def test_a_valid_fiscal_code_is_found_in_any_case_and_an_invalid_one_is_not():
    text = "\n".join(
        [
            f"GET /api/v1/profiles/{FISCAL_CODE}",
            f"lower {FISCAL_CODE.lower()}",
            f"wrong check character {FISCAL_CODE[:15]}X",
            f"inside an id 01{FISCAL_CODE}ZZ",
        ]
    )
    assert findings("log", text, SentValues()) == [
        f"log:1: a fiscal code ({FISCAL_CODE})",
        f"log:2: a fiscal code ({FISCAL_CODE.lower()})",
    ]


def test_keys_subjects_markdown_and_attachment_names_sent_are_found_even_json_escaped():
    # GIVEN a request with every kind of private value
    sent = _sent(
        {
            "content": {
                "subject": "Il tuo avviso è pronto",
                "markdown": 'Gentile cittadino, "ecco" il tuo avviso.\nSaluti',
                "attachments": [{"name": "../avviso di pagamento.pdf", "content": "x"}],
            }
        }
    )
    # WHEN lines carry them, as text or inside JSON log lines
    lines = [
        json.dumps({"message": "subject Il tuo avviso è pronto"}),
        json.dumps({"message": 'md Gentile cittadino, "ecco" il tuo avviso.\nSaluti'}),
        "stored avviso di pagamento.pdf",
        "key k-0123456789abcdef refused",
        "nothing here",
    ]
    # THEN each is found on its line
    assert findings("log", "\n".join(lines), sent) == [
        "log:1: subject ('Il tuo avviso è pronto')",
        "log:2: markdown ('Gentile cittadino, \"...')",
        "log:3: attachment name ('avviso di pagamento.pdf')",
        "log:4: API key ('k-0123456789abcdef')",
    ]


def test_short_or_repetitive_values_are_not_recorded():
    sent = _sent({"content": {"subject": "aaaaaaaaaaaa", "markdown": "short"}}, key="x")
    assert sent.kinds == {}


def test_values_that_are_the_apps_own_text_are_left_out():
    # GIVEN a fuzzed subject that is a constant of the app's code (Hypothesis draws those)
    sent = _sent({"content": {"subject": "invocation_id", "markdown": "A private long text"}})
    # THEN only what is not in the app's source is looked for
    assert sent.outside(app_source_text()).kinds == {
        "A private long text": "markdown",
        "k-0123456789abcdef": "API key",
    }
