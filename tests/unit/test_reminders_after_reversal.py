"""A payment the platform reverses makes its notice unpaid again, and the notice's payment
reminders resume at their next slot; while it stays paid, none goes out."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from shared.domain.push import ReminderKind
from shared.services.record_payment import record_payment
from tests.builders import payment_event
from tests.unit.reminder_world import DAY, NOTICE, PAYEE, PROCESSED, World

DUE = PROCESSED + 30 * DAY
PAID_AT = DUE - 20 * DAY


def _event(**fields: str) -> bytes:
    body = {"payee_fiscal_code": PAYEE, "notice_number": NOTICE, "paid_at": PAID_AT.isoformat()}
    return json.dumps({**body, **fields}).encode()


def _report(world: World, body: bytes) -> None:
    record_payment(payment_event(body), payments=world.payments, clock=world.clock)


def _run_until(world: World, until: datetime) -> None:
    at = world.clock.now()
    while at <= until:
        world.run(at)
        at += timedelta(hours=6)


def _paid_notice_read_at_once() -> World:
    world = World()
    world.citizen()
    message = world.deliver(due=DUE, payment=True)
    world.messages.replace(message.read(PROCESSED))  # read at once: only payment reminders
    _run_until(world, PAID_AT)
    _report(world, _event())
    return world


def test_a_reversed_payment_brings_back_the_notices_remaining_reminders():
    # GIVEN a notice paid before its reminder window, and no reminder sent while it is paid
    world = _paid_notice_read_at_once()
    _run_until(world, DUE - 9 * DAY)
    assert world.kinds() == []
    # WHEN the payment platform reverses the payment
    reversed_at = world.clock.now().isoformat()
    _report(world, _event(type="REVERSAL", reversed_at=reversed_at))
    _run_until(world, DUE)
    # THEN the slots still ahead (7 and 4 days before, and the day before) go out
    assert world.kinds() == [ReminderKind.PAYMENT] * 2 + [ReminderKind.DUE_TOMORROW]


def test_a_notice_that_stays_paid_gets_no_reminder_and_leaves_the_schedule_at_its_due_date():
    world = _paid_notice_read_at_once()
    _run_until(world, DUE + DAY)
    assert world.kinds() == []
    assert world.schedule.all_entries() == []


def test_a_notice_paid_again_after_a_reversal_stops_its_reminders_again():
    world = _paid_notice_read_at_once()
    _run_until(world, DUE - 9 * DAY)
    _report(world, _event(type="REVERSAL", reversed_at=world.clock.now().isoformat()))
    _run_until(world, DUE - 6 * DAY)  # the slot 7 days before goes out
    _report(world, _event(paid_at=world.clock.now().isoformat()))
    _run_until(world, DUE)
    assert world.kinds() == [ReminderKind.PAYMENT]
