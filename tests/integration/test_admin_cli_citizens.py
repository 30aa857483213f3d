"""The operator CLI's citizen commands against the emulators: registering a registered
citizen, the reminder and read-status flags, and a GDPR erasure (also one interrupted)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.bootstrap import App, build_app
from shared.domain.attachments import StoredAttachment
from shared.domain.errors import StorageUnavailableError
from shared.domain.idempotency import IdempotencyRecord
from shared.domain.message import MessageContent, MessageStatus, Payee, PaymentData
from shared.domain.message_id import new_message_id
from shared.domain.notice_watch import NoticeWatch
from shared.domain.payment import Payment, payment_id
from shared.domain.profile import Profile, ReminderConsent
from shared.domain.reminder_schedule import ScheduleEntry
from shared.domain.service_messages import entry_of
from shared.services.citizen_erasure import ErasurePorts, erase_citizen, possible_slot_keys
from tests.builders import MARKDOWN, SUBJECT, a_message, random_fiscal_code
from tests.integration.admin_cli import run_cli, run_cli_json
from tests.port_faults import REFUSED, FaultyPort

PAYEE = "01234567890"
PDF_BASE64 = "JVBERi0xLjQKJSVFT0YK"


# register, update, show


def test_registering_a_registered_citizen_fails_and_keeps_the_preferences(local_stack, capsys):
    fiscal_code = random_fiscal_code()
    assert run_cli_json(capsys, "citizen", "register", fiscal_code, "--mode", "MANUAL")[0] == 0
    code, output = run_cli_json(capsys, "citizen", "register", fiscal_code)
    assert code == 1
    assert "--replace" in output["error"]
    assert fiscal_code not in json.dumps(output)
    profile = build_app(local_stack.settings).profiles.get(fiscal_code)
    assert profile is not None
    assert profile.preference_mode == "MANUAL"


def test_register_with_replace_starts_over_from_the_defaults(local_stack, capsys):
    fiscal_code = random_fiscal_code()
    assert run_cli_json(capsys, "citizen", "register", fiscal_code, "--mode", "MANUAL")[0] == 0
    code, out, _ = run_cli(capsys, "citizen", "register", fiscal_code, "--replace")
    assert code == 0
    assert out.startswith("citizen profile replaced")
    profile = build_app(local_stack.settings).profiles.get(fiscal_code)
    assert profile is not None
    assert profile.preference_mode == "AUTO"


def test_reminders_and_read_status_are_set_shown_and_changed(local_stack, capsys):
    fiscal_code = random_fiscal_code()
    code, output = run_cli_json(
        capsys,
        "citizen",
        "register",
        fiscal_code,
        "--reminders",
        "enabled",
        "--share-read-status",
        "off",
    )
    assert code == 0
    assert (output["reminders"], output["share_read_status"]) == ("ENABLED", False)
    code, out, _ = run_cli(capsys, "citizen", "show", fiscal_code)
    assert code == 0
    assert out.startswith("citizen profile\n")
    assert "reminders:   enabled" in out
    assert "read status: not shared" in out
    code, output = run_cli_json(capsys, "citizen", "update", fiscal_code, "--reminders=DISABLED")
    assert (output["reminders"], output["share_read_status"]) == ("DISABLED", False)
    profile = build_app(local_stack.settings).profiles.get(fiscal_code)
    assert profile is not None
    assert (profile.reminders, profile.share_read_status) == (ReminderConsent.DISABLED, False)


def test_bad_reminder_and_read_status_values_exit_2_naming_each_flag(local_stack, capsys):
    fiscal_code = random_fiscal_code()
    code, output = run_cli_json(
        capsys, "citizen", "register", fiscal_code, "--reminders", "yes", "--share-read-status", "2"
    )
    assert code == 2
    assert [error["flag"] for error in output["errors"]] == ["--reminders", "--share-read-status"]
    assert build_app(local_stack.settings).profiles.get(fiscal_code) is None


# erase


def _a_citizen_with_everything(app: App, fiscal_code: str, count: int = 2) -> list[str]:
    """A registered citizen with `count` processed Premium payment messages, each with an
    attachment, a schedule entry, a claim, a notice watch and an Idempotency-Key record."""
    app.profiles.save(Profile(fiscal_code=fiscal_code))
    now = datetime.now(UTC)
    ids = []
    for _ in range(count):
        message_id = new_message_id(now)
        notice = f"3{int(message_id[-8:], 36) % 10**17:017d}"
        content = MessageContent(
            subject=SUBJECT,
            markdown=MARKDOWN,
            due_date=now + timedelta(days=20),
            payment_data=PaymentData(
                amount=100, notice_number=notice, payee=Payee(fiscal_code=PAYEE)
            ),
        )
        blob = f"{message_id}/0"
        stored = app.attachments.put(blob, PDF_BASE64)
        attachment = StoredAttachment(
            id="0",
            name="a.pdf",
            content_type="application/pdf",
            size=stored.size,
            sha256=stored.sha256,
            blob_name=blob,
        )
        message = a_message(message_id, fiscal_code, status=MessageStatus.PROCESSED)
        message = message.model_copy(
            update={"content": content, "processed_at": now, "attachments": (attachment,)}
        )
        app.messages.add(message)
        assert app.message_index is not None
        app.message_index.put(entry_of(message))
        app.schedule.add(
            ScheduleEntry(
                message_id=message_id, fiscal_code=fiscal_code, at=now + timedelta(days=7)
            )
        )
        app.claims.claim(message_id, possible_slot_keys(message, app.reminder_policy)[0], now)
        watch_id = payment_id(PAYEE, notice)
        app.watches.watch(
            NoticeWatch(
                id=message_id, payment_id=watch_id, fiscal_code=fiscal_code, service_id="svc"
            )
        )
        app.idempotency.reserve(
            IdempotencyRecord(
                id=f"erase-{message_id}",
                service_id="svc",
                request_hash="h",
                message_id=message_id,
                fiscal_code=fiscal_code,
                reserved_at=now,
            )
        )
        app.payments.add(
            Payment(
                id=watch_id,
                payee_fiscal_code=PAYEE,
                notice_number=notice,
                paid_at=now,
                recorded_at=now,
            )
        )
        ids.append(message_id)
    return ids


def _nothing_left(app: App, fiscal_code: str, ids: list[str]) -> None:
    assert app.profiles.get(fiscal_code) is None
    assert app.messages.of_citizen(fiscal_code) == []
    for message_id in ids:
        assert app.attachments.read(f"{message_id}/0") is None
    assert app.schedule.forget(ids) == 0
    assert app.idempotency.forget_citizen(fiscal_code) == 0


def test_erase_deletes_the_citizens_data_keeps_payments_and_audits_without_the_code(
    local_stack, capsys
):
    # GIVEN a citizen with two messages and all that hangs off them
    app = build_app(local_stack.settings)
    fiscal_code = random_fiscal_code()
    ids = _a_citizen_with_everything(app, fiscal_code)
    # WHEN the operator erases them
    code, out, _ = run_cli(
        capsys, "citizen", "erase", "--fiscal-code", fiscal_code, "--ticket", "GDPR-42", "--yes"
    )
    # THEN everything is gone, the payments stay, and nothing printed names the citizen
    assert code == 0, out
    assert fiscal_code not in out
    assert "messages:" in out
    _nothing_left(app, fiscal_code, ids)
    message = a_message(ids[0], fiscal_code, status=MessageStatus.PROCESSED)
    assert app.claims.forget(ids[0], possible_slot_keys(message, app.reminder_policy)) == 0
    # AND the audit record holds counts, the ticket and a hash, no fiscal code
    code, output = run_cli_json(
        capsys, "citizen", "erase", "--fiscal-code", fiscal_code, "--ticket", "GDPR-42", "--yes"
    )
    assert code == 0
    assert set(output["counts"].values()) == {0}  # a second run finds nothing more
    assert app.erasures is not None
    first = next(line for line in out.splitlines() if "audit record" in line)
    record = app.erasures.get(first.rsplit(" ", 1)[-1].rstrip(")"))
    assert record is not None
    assert record.completed_at is not None
    assert record.ticket == "GDPR-42"
    assert dict(record.counts) == {
        "messages": 2,
        "attachments": 2,
        "reminder_schedule_entries": 2,
        "reminder_claims": 2,
        "notice_watches": 2,
        "index_entries": 2,
        "idempotency_records": 2,
        "profiles": 1,
    }
    assert fiscal_code not in record.model_dump_json()


def test_an_erasure_interrupted_midway_is_finished_by_the_cli(local_stack, capsys):
    # GIVEN a citizen with three messages, and an erasure that stops at its second delete
    app = build_app(local_stack.settings)
    fiscal_code = random_fiscal_code()
    ids = _a_citizen_with_everything(app, fiscal_code, count=3)
    assert app.erasures is not None
    ports = ErasurePorts(
        messages=FaultyPort(app.messages, "delete", [None, REFUSED]),  # type: ignore[list-item]
        attachments=app.attachments,
        schedule=app.schedule,
        claims=app.claims,
        watches=app.watches,
        idempotency=app.idempotency,
        profiles=app.profiles,
        log=app.erasures,
        clock=app.clock,
        policy=app.reminder_policy,
    )
    with pytest.raises(StorageUnavailableError):
        erase_citizen(fiscal_code, ticket="T-9", hash_key="k", ports=ports)
    assert len(app.messages.of_citizen(fiscal_code)) == 2
    assert app.profiles.get(fiscal_code) is not None
    # WHEN the operator runs the erasure again
    code, output = run_cli_json(
        capsys, "citizen", "erase", "--fiscal-code", fiscal_code, "--ticket", "T-9", "--yes"
    )
    # THEN it finishes the work
    assert code == 0
    assert output["counts"]["messages"] == 2
    assert output["counts"]["profiles"] == 1
    _nothing_left(app, fiscal_code, ids)


@pytest.mark.parametrize(
    ("args", "flags"),
    [
        (["--fiscal-code", "RSSMRA80A01H501X", "--ticket", "T-1", "--yes"], ["--fiscal-code"]),
        (["--fiscal-code", "RSSMRA80A01H501U", "--ticket", "T-1"], ["--yes"]),
        (["--fiscal-code", "RSSMRA80A01H501U", "--ticket", "a b", "--yes"], ["--ticket"]),
    ],
)
def test_erase_with_bad_input_exits_2_naming_the_flag_and_never_the_code(
    local_stack, capsys, args, flags
):
    code, output = run_cli_json(capsys, "citizen", "erase", *args)
    assert code == 2
    assert [error["flag"] for error in output["errors"]] == flags
    assert "RSSMRA80A01H501" not in json.dumps(output)
