"""Filling a scenario's stores: citizens and Premium PROCESSED messages, each put on the
reminder schedule by the real planner, a few of them due at RUN_AT; and making that due set
due again between runs."""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from azure.cosmos import exceptions

from bench.pipeline_stack import new_fiscal_code, register_sender
from bench.reminder_scenario import (
    HASH_KEY,
    POLICY,
    RUN_AT,
    Options,
    Scenario,
    app_database,
)
from shared.adapters.cosmos_reminder_schedule import CosmosReminderSchedule
from shared.bootstrap import App, build_app
from shared.config import Settings
from shared.domain.citizen_hash import citizen_hash
from shared.domain.message import FeatureLevel, Message, MessageContent
from shared.domain.message_id import new_message_id
from shared.domain.profile import Profile, ReminderConsent
from shared.domain.reminder_schedule import claim_id
from shared.domain.reminders import open_slots
from shared.services.send_reminders import ReminderPlanner

DUE_SPREAD = timedelta(minutes=30)
# Not due: processed within this long before the run, so the first reminder is 1-3 days ahead.
RECENT = timedelta(days=2)
SUBJECT = "Avviso di pagamento TARI 2026"
MARKDOWN = "Gentile cittadino, trova nell'app l'avviso di pagamento della tassa sui rifiuti. " * 2


def in_parallel[T](work: Callable[[T], object], items: Sequence[T], threads: int) -> None:
    """Do `work` for every item from `threads` threads, each taking every threads-th item."""

    def worker(share: Sequence[T]) -> None:
        for item in share:
            work(item)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for done in [pool.submit(worker, items[index::threads]) for index in range(threads)]:
            done.result()


def _message(fiscal_code: str, service_id: str, processed_at: datetime) -> Message:
    accepted_at = processed_at - timedelta(seconds=2)
    return Message.accepted(
        id=new_message_id(accepted_at),
        fiscal_code=fiscal_code,
        sender_service_id=service_id,
        now=accepted_at,
        time_to_live=3600,
        content=MessageContent(subject=SUBJECT, markdown=MARKDOWN),
        feature_level_type=FeatureLevel.ADVANCED,
    ).processed(processed_at)


def _fiscal_codes(count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(new_fiscal_code())
    return sorted(codes)


@dataclass(frozen=True)
class _Share:
    """One fill process's part of the work."""

    settings: Settings
    schedule_container: str
    service_id: str
    citizens: list[str]
    plans: list[tuple[str, datetime, bool]]
    threads: int


@functools.cache
def _worker_app(settings: Settings) -> App:
    return build_app(settings)


def _save_profiles(share: _Share) -> None:
    app = _worker_app(share.settings)

    def save(fiscal_code: str) -> None:
        app.profiles.save(Profile(fiscal_code=fiscal_code, reminders=ReminderConsent.ENABLED))

    in_parallel(save, share.citizens, share.threads)


def _store_messages(share: _Share) -> tuple[list[Message], list[str]]:
    """Store the share's messages and plan each; return the due ones and any mistakes."""
    app = _worker_app(share.settings)
    database = app_database(share.settings)
    schedule = CosmosReminderSchedule(database.get_container_client(share.schedule_container))
    planner = ReminderPlanner(schedule=schedule, policy=POLICY)
    due: list[Message] = []
    wrong: list[str] = []
    lock = threading.Lock()

    def store(plan: tuple[str, datetime, bool]) -> None:
        fiscal_code, processed_at, is_due = plan
        message = app.messages.add(_message(fiscal_code, share.service_id, processed_at))
        at = planner.plan(message)
        with lock:
            if at is None or (at <= RUN_AT) != is_due:
                wrong.append(f"{message.id} planned at {at}")
            if is_due:
                due.append(message)

    in_parallel(store, share.plans, share.threads)
    return due, wrong


def fill(scenario: Scenario, stored: int, options: Options) -> dict[str, Any]:
    """Store `stored` Premium messages on the schedule, `options.due` of them due at RUN_AT,
    from `options.fill_processes` processes of `options.fill_threads` threads."""
    service_id = register_sender(scenario.stack).service_id
    scenario.service_id = service_id
    citizens = _fiscal_codes(max(options.due, -(-stored // options.per_citizen)))
    not_due = stored - options.due
    plans: list[tuple[str, datetime, bool]] = [
        (citizens[index], RUN_AT - timedelta(days=3) - DUE_SPREAD * (index + 1) / options.due, True)
        for index in range(options.due)
    ]
    plans += [
        (citizens[index % len(citizens)], RUN_AT - RECENT * (index + 1) / not_due, False)
        for index in range(not_due)
    ]
    processes = options.fill_processes
    shares = [
        _Share(
            settings=scenario.stack.settings,
            schedule_container=scenario.schedule_container,
            service_id=service_id,
            citizens=citizens[index::processes],
            plans=plans[index::processes],
            threads=options.fill_threads,
        )
        for index in range(processes)
    ]
    started = time.perf_counter()
    # Spawned, not forked: this process has SDK clients and threads of its own.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        list(pool.map(_save_profiles, shares))
        profiles_done = time.perf_counter()
        stored_shares = list(pool.map(_store_messages, shares))
    messages_done = time.perf_counter()
    wrong = [mistake for _, mistakes in stored_shares for mistake in mistakes]
    if wrong:
        raise RuntimeError(f"the planner did not schedule as expected: {wrong[:5]}")
    scenario.due = sorted((message for due, _ in stored_shares for message in due), key=_id)
    messages_seconds = messages_done - profiles_done
    return {
        "citizens": len(citizens),
        "processes": processes,
        "threads_per_process": options.fill_threads,
        "seconds": round(messages_done - started, 1),
        "profiles_seconds": round(profiles_done - started, 1),
        "messages_seconds": round(messages_seconds, 1),
        "messages_per_s": round(stored / messages_seconds, 1),
    }


def _id(message: Message) -> str:
    return message.id


def restore_due(scenario: Scenario, threads: int) -> None:
    """Make the due set due again as if no run had been: entries back in their hour, the
    claims and the day's push counters gone."""
    day = POLICY.local_day(RUN_AT)

    def restore(message: Message) -> None:
        slots = open_slots(message, done=frozenset(), paid=False, now=RUN_AT, policy=POLICY)
        for slot in slots:
            key = claim_id(message.id, slot.key)
            with contextlib.suppress(exceptions.CosmosResourceNotFoundError):
                scenario.claims_container.delete_item(key, partition_key=key)
        citizen = citizen_hash(message.fiscal_code, HASH_KEY)
        counter = f"reminder-pushes:{citizen}:{day}"
        with contextlib.suppress(exceptions.CosmosResourceNotFoundError):
            scenario.counters.delete_item(counter, partition_key=counter)
        # The reminder counted on the message is forgotten, so the run writes it again.
        stored = scenario.app.messages.get(message.fiscal_code, message.id)
        if stored is not None and stored.reminded:
            scenario.app.messages.replace(stored.model_copy(update={"reminded": ()}))
        scenario.planner.plan(message)

    in_parallel(restore, scenario.due, threads)
