"""`message list` and `message stats` against the emulators: a service's messages from its
index by status and date, counts per status, read, paid and pushes for a period; bad flags
named."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.admin.cli import main
from shared.bootstrap import build_app
from shared.domain.message import MessageStatus
from shared.domain.message_id import new_message_id
from shared.domain.payment import Payment, payment_id
from shared.domain.service_messages import ServiceMessageEntry
from tests.builders import FISCAL_CODE, a_service
from tests.integration.admin_cli import run_cli_json

DAY = datetime(2026, 11, 2, tzinfo=UTC)
PAYEE = "01234567890"


@pytest.fixture
def indexed(local_stack) -> dict[str, Any]:
    """A service with four indexed messages over two days, and another service's one."""
    app = build_app(local_stack.settings)
    service_id, other_id = f"svc-{uuid.uuid4().hex[:10]}", f"svc-{uuid.uuid4().hex[:10]}"
    app.services.add(a_service(service_id))
    app.services.add(a_service(other_id))
    assert app.message_index is not None

    def put(service: str, hours: int, status: MessageStatus, **fields: Any) -> str:
        created = DAY + timedelta(hours=hours)
        entry = ServiceMessageEntry(
            id=new_message_id(created),
            service_id=service,
            created_at=created,
            status=status,
            status_changed_at=created,
            **fields,
        )
        app.message_index.put(entry)  # type: ignore[union-attr]
        return entry.id

    # Two notices, one of them paid (notice numbers of this run only: payments are shared).
    paid, unpaid = (f"3{uuid.uuid4().int % 10**17:017d}" for _ in range(2))
    app.payments.add(
        Payment(
            id=payment_id(PAYEE, paid),
            payee_fiscal_code=PAYEE,
            notice_number=paid,
            paid_at=DAY,
            recorded_at=DAY,
        )
    )
    ids = [
        put(
            service_id,
            1,
            MessageStatus.PROCESSED,
            reference="PROT-1",
            read=True,
            pushes=2,
            notice=(PAYEE, paid),
        ),
        put(service_id, 2, MessageStatus.PROCESSED, pushes=1, notice=(PAYEE, unpaid)),
        put(service_id, 3, MessageStatus.REJECTED, rejection_reason="USER_NOT_FOUND"),
        put(service_id, 30, MessageStatus.PROCESSED, read=True),  # the next day
    ]
    put(other_id, 2, MessageStatus.FAILED)
    return {"service_id": service_id, "ids": ids}


def test_list_shows_the_services_messages_newest_first(indexed, capsys):
    code, body = run_cli_json(capsys, "message", "list", indexed["service_id"])
    assert code == 0
    assert [item["message_id"] for item in body["messages"]] == list(reversed(indexed["ids"]))
    assert FISCAL_CODE not in json.dumps(body)


def test_list_filters_by_status_and_date_and_stops_at_the_limit(indexed, capsys):
    service_id, ids = indexed["service_id"], indexed["ids"]
    _, processed_on_day = run_cli_json(
        capsys,
        "message", "list", service_id,
        "--status", "PROCESSED", "--from", "2026-11-02", "--to", "2026-11-03",
    )  # fmt: skip
    assert [item["message_id"] for item in processed_on_day["messages"]] == [ids[1], ids[0]]
    _, limited = run_cli_json(capsys, "message", "list", service_id, "--limit", "2")
    assert [item["message_id"] for item in limited["messages"]] == [ids[3], ids[2]]


def test_list_prints_a_table_for_people(indexed, capsys):
    assert main(["message", "list", indexed["service_id"], "--reference", "PROT-1"]) == 0
    out = capsys.readouterr().out
    assert indexed["ids"][0] in out
    assert "PROT-1" in out
    assert "1 message(s)" in out


def test_stats_counts_per_status_and_read_in_the_period(indexed, capsys):
    code, body = run_cli_json(
        capsys, "message", "stats", indexed["service_id"], "--from", "2026-11-02",
        "--to", "2026-11-03",
    )  # fmt: skip
    assert code == 0
    assert body["sent"] == 3
    assert body["by_status"] == {"ACCEPTED": 0, "PROCESSED": 2, "REJECTED": 1, "FAILED": 0}
    assert body["read"] == 1
    assert (body["paid"], body["pushes"]) == (1, 3)
    assert main(["message", "stats", indexed["service_id"], "--to", "2026-11-03"]) == 0
    out = capsys.readouterr().out
    assert "paid (notices paid now): 1" in out
    assert "pushes (new-message and reminders): 3" in out


def test_bad_flags_exit_2_naming_each(indexed, capsys):
    code, body = run_cli_json(
        capsys, "message", "list", indexed["service_id"], "--from", "02/11/2026",
        "--to", "2026-11-32", "--limit", "0",
    )  # fmt: skip
    assert code == 2
    assert {detail["flag"] for detail in body["errors"]} == {"--from", "--to", "--limit"}
    code, body = run_cli_json(
        capsys, "message", "stats", indexed["service_id"], "--from", "02/11/2026",
        "--to", "2026-11-32",
    )  # fmt: skip
    assert code == 2
    assert {detail["flag"] for detail in body["errors"]} == {"--from", "--to"}


def test_an_unknown_service_exits_1(local_stack, capsys):
    code, body = run_cli_json(capsys, "message", "stats", f"svc-{uuid.uuid4().hex}")
    assert code == 1
    assert "no service" in body["error"]
