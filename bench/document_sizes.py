"""The size of every kind of document Postino stores, measured on the local stack.

Cosmos DB charges an operation by the size of the item it reads or writes (and, for writes,
by the paths it indexes); the emulator reports no request charges, so docs/scaling.md turns
these sizes into request units with the documented rules. Each document is written through
the app's own use cases and adapters, then read back raw from its container, and measured as
compact JSON (UTF-8 bytes), with the system properties the store adds (`_rid`, `_self`,
`_etag`, `_attachments`, `_ts`) and without them.

    python -m bench.document_sizes [--entries 200] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.output import report_result
from bench.pipeline_stack import BenchStack, new_fiscal_code, own_stack
from infra.local.emulators import PROJECT_ROOT
from shared.adapters.cosmos_reminder_schedule import CosmosReminderSchedule
from shared.bootstrap import App, build_app
from shared.domain.message import FeatureLevel
from shared.domain.message_id import new_message_id
from shared.domain.message_ref import MessageRef
from shared.domain.message_rules import validate_new_message
from shared.domain.payment import PaymentEvent
from shared.domain.reminder_schedule import ClaimState, ScheduleEntry, SlotClaim
from shared.domain.service import Service, Tier
from shared.services.create_message import create_message
from shared.services.onboarding import create_service, register_citizen
from shared.services.process_message import process_message
from shared.services.record_payment import record_payment

DEFAULT_LOG_DIR = PROJECT_ROOT / ".local" / "logs" / "bench-document-sizes"
SYSTEM_PROPERTIES = ("_rid", "_self", "_etag", "_attachments", "_ts")
SUBJECT = "La tua nuova carta d'identità è pronta"
# Markdown bodies: IO's minimum (80), a short notice, a typical letter, a long one, the maximum.
MARKDOWN_SIZES = (80, 500, 1500, 4000, 10000)
TYPICAL_MARKDOWN = 1500
RETENTION = 94608000


def _size(document: dict[str, Any]) -> dict[str, int]:
    def encoded(value: dict[str, Any]) -> int:
        return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())

    bare = {k: v for k, v in document.items() if k not in SYSTEM_PROPERTIES}
    return {"bytes": encoded(document), "bytes_without_system_properties": encoded(bare)}


def _raw(port: Any, document_id: str, partition_key: str) -> dict[str, Any]:
    container = port._container
    document: dict[str, Any] = container.read_item(document_id, partition_key=partition_key)
    return document


def _markdown(length: int) -> str:
    sentence = "Gentile cittadino, la informiamo che il documento richiesto è disponibile. "
    return (sentence * (length // len(sentence) + 1))[:length]


def _body(markdown_length: int, **content: Any) -> bytes:
    body = {"content": {"subject": SUBJECT, "markdown": _markdown(markdown_length), **content}}
    return json.dumps(body).encode()


def _pdf_attachment(name: str) -> dict[str, str]:
    data = b"%PDF-1.7\n" + b"\0" * 256 + b"\n%%EOF\n"
    return {
        "name": name,
        "content_type": "application/pdf",
        "content": base64.b64encode(data).decode(),
    }


class _NoQueue:
    def send(self, ref: MessageRef) -> None:
        return None

    def oldest_waiting(self) -> None:
        return None


def _accept_and_process(
    app: App, sender: Service, fiscal_code: str, body: bytes, **options: Any
) -> dict[str, dict[str, int]]:
    accepted = create_message(
        sender,
        *validate_new_message(fiscal_code, body),
        messages=app.messages,
        queue=_NoQueue(),
        idempotency=app.idempotency,
        attachments=app.attachments,
        clock=app.clock,
        **options,
    )
    message_id = accepted.message.id
    sizes = {"accepted": _size(_raw(app.messages, message_id, fiscal_code))}
    process_message(
        MessageRef(message_id=message_id, fiscal_code=fiscal_code),
        messages=app.messages,
        profiles=app.profiles,
        attachments=app.attachments,
        clock=app.clock,
        rejected_retention_seconds=RETENTION,
        reminders=app.reminder_planner(),
    )
    sizes["decided"] = _size(_raw(app.messages, message_id, fiscal_code))
    return sizes


def _bucket_growth(app: App, entries: int) -> dict[str, Any]:
    """One schedule document filled with `entries` entries, then emptied (entries nulled)."""
    schedule = CosmosReminderSchedule(app.schedule._container, shards=1)  # type: ignore[attr-defined]
    at = app.clock.now() + timedelta(days=400 + uuid.uuid4().int % 1000)
    fiscal_code = new_fiscal_code()
    added = [
        ScheduleEntry(
            message_id=f"01J{uuid.uuid4().hex[:23].upper()}", fiscal_code=fiscal_code, at=at
        )
        for _ in range(entries)
    ]
    schedule.add(added[0])
    document_id = schedule._bucket(added[0])
    one = _size(_raw(app.schedule, document_id, document_id))["bytes"]
    for entry in added[1:]:
        schedule.add(entry)
    full = _size(_raw(app.schedule, document_id, document_id))["bytes"]
    for entry in added:
        schedule.move(entry, None)
    nulled = _size(_raw(app.schedule, document_id, document_id))["bytes"]
    per_entry = (full - one) / (entries - 1)
    return {
        "entries": entries,
        "one_entry_bytes": one,
        "full_bytes": full,
        "bytes_per_entry": round(per_entry, 1),
        "bytes_per_nulled_entry": round((nulled - one) / (entries - 1), 1),
        "entries_per_2_mb_document": int((2 * 1024 * 1024 - one) // per_entry),
    }


def measure(stack: BenchStack, *, entries: int = 200) -> dict[str, Any]:
    app = build_app(stack.settings)
    keys = create_service(
        name="Tributi",
        organization_name="Comune di Esempio",
        organization_fiscal_code="01234567890",
        tier=Tier.PREMIUM,
        max_allowed_payment_amount=1_000_000,
        services=app.services,
        api_keys=app.api_keys,
    )
    sender = keys.service
    fiscal_code = new_fiscal_code()
    register_citizen(fiscal_code, profiles=app.profiles)
    result: dict[str, Any] = {
        "service": _size(_raw(app.services, sender.id, sender.id)),
        "api_key": _size(_first(app.api_keys, sender.id)),
        "profile": _size(_raw(app.profiles, fiscal_code, fiscal_code)),
    }
    result["basic_message_by_markdown_chars"] = {
        str(length): _accept_and_process(app, sender, fiscal_code, _body(length))
        for length in MARKDOWN_SIZES
    }
    result["basic_message_rejected"] = _accept_and_process(
        app, sender, new_fiscal_code(), _body(TYPICAL_MARKDOWN)
    )
    due = (app.clock.now() + timedelta(days=30)).date().isoformat()
    payment = {
        "due_date": f"{due}T00:00:00Z",
        "payment_data": {"amount": 12345, "notice_number": "302000100000019421"},
    }
    result["payment_message"] = _accept_and_process(
        app, sender, fiscal_code, _body(TYPICAL_MARKDOWN, **payment)
    )
    advanced = json.loads(
        _body(
            TYPICAL_MARKDOWN,
            **payment,
            attachments=[_pdf_attachment("avviso.pdf"), _pdf_attachment("bollettino.pdf")],
        )
    )
    advanced["feature_level_type"] = FeatureLevel.ADVANCED.value
    result["premium_message_2_attachments"] = _accept_and_process(
        app, sender, fiscal_code, json.dumps(advanced).encode()
    )
    key = uuid.uuid4().hex
    _accept_and_process(app, sender, fiscal_code, _body(TYPICAL_MARKDOWN), idempotency_key=key)
    result["idempotency_record"] = _size(_only(app.idempotency))
    app.rate_counter.increment(f"rate:{sender.id}:0", 70, by=10)
    result["rate_counter"] = _size(
        _raw(app.rate_counter, f"rate:{sender.id}:0", f"rate:{sender.id}:0")
    )
    # A message id of its own: a claim is made once, and the stack may be measured again.
    claimed_message = new_message_id(app.clock.now())
    claim = app.claims.claim(claimed_message, "UNREAD-1", app.clock.now())
    if not isinstance(claim, SlotClaim):
        raise RuntimeError("the reminder claim was not created")
    app.claims.settle(claim, ClaimState.SENT)
    result["reminder_claim"] = _size(_raw(app.claims, claim.id, claim.id))
    record_payment(
        PaymentEvent.model_validate_json(
            json.dumps(
                {
                    "payee_fiscal_code": "01234567890",
                    "notice_number": "302000100000019421",
                    "paid_at": app.clock.now().isoformat(),
                }
            ).encode()
        ),
        payments=app.payments,
        clock=app.clock,
    )
    result["payment"] = _size(_only(app.payments))
    result["reminder_bucket"] = _bucket_growth(app, entries)
    ref = MessageRef(message_id="01JCZ0000000000000000000AA", fiscal_code=fiscal_code)
    result["queue_message"] = {
        "json_bytes": len(ref.to_json().encode()),
        "base64_bytes": len(base64.b64encode(ref.to_json().encode())),
    }
    return result


def _only(port: Any) -> dict[str, Any]:
    documents = list(
        port._container.query_items("SELECT * FROM c", enable_cross_partition_query=True)
    )
    return dict(documents[-1])


def _first(port: Any, service_id: str) -> dict[str, Any]:
    documents = list(
        port._container.query_items(
            "SELECT * FROM c WHERE c.service_id = @s",
            parameters=[{"name": "@s", "value": service_id}],
            enable_cross_partition_query=True,
        )
    )
    return dict(documents[0])


def render_table(result: dict[str, Any]) -> str:
    lines = ["document                                  bytes (with system properties)"]
    for name in (
        "service",
        "api_key",
        "profile",
        "idempotency_record",
        "rate_counter",
        "reminder_claim",
        "payment",
    ):
        lines.append(f"{name:<42}{result[name]['bytes']:>8}")
    for length, sizes in result["basic_message_by_markdown_chars"].items():
        label = f"basic message, markdown {length} chars"
        lines.append(
            f"{label:<42}{sizes['accepted']['bytes']:>8} -> {sizes['decided']['bytes']} processed"
        )
    for name in ("payment_message", "premium_message_2_attachments", "basic_message_rejected"):
        sizes = result[name]
        lines.append(f"{name:<42}{sizes['accepted']['bytes']:>8} -> {sizes['decided']['bytes']}")
    bucket = result["reminder_bucket"]
    lines.append(
        f"reminder bucket: {bucket['bytes_per_entry']} bytes per entry, "
        f"{bucket['entries_per_2_mb_document']} entries per 2 MB document"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=200, help="entries put in one bucket")
    parser.add_argument("--log-dir", type=Path, default=DEFAULT_LOG_DIR)
    parser.add_argument("--json-out", type=Path)
    arguments = parser.parse_args(argv)
    if arguments.entries < 2:
        parser.error("--entries must be at least 2")
    with own_stack(arguments.log_dir) as stack:
        result = measure(stack, entries=arguments.entries)
    return report_result(result, ok=True, json_out=arguments.json_out, table=render_table(result))


if __name__ == "__main__":
    sys.exit(main())
