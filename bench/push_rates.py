"""Pushes per second through QueuePushSender, against the same payloads sent with the bare
SDK's QueueClient.send_message (base64, as every queue here)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from azure.storage.queue import QueueClient, TextBase64EncodePolicy

from bench.pipeline_stack import BenchStack, delete_queue, fresh_queue, new_fiscal_code
from bench.reminder_scenario import HASH_KEY, RUN_AT, Options
from shared.adapters.push_queue import push_to_json, queue_push_sender
from shared.config import SettingName
from shared.domain.citizen_hash import push_tag
from shared.domain.message_id import new_message_id
from shared.domain.push import Push, ReminderKind, reminder_push


def _pushes(count: int) -> list[Push]:
    return [
        reminder_push(
            tag=push_tag(new_fiscal_code(), HASH_KEY),
            kind=ReminderKind.UNREAD,
            preferred_languages=("it_IT",),
            message_id=new_message_id(RUN_AT),
            expires_at=None,
        )
        for _ in range(count)
    ]


def _rate(action: Callable[[], None], count: int) -> float:
    started = time.perf_counter()
    action()
    return count / (time.perf_counter() - started)


def push_rates(stack: BenchStack, options: Options) -> dict[str, Any]:
    """Pushes/s through QueuePushSender against the bare SDK sending the same payloads,
    one after another, alternately, medians over `options.push_rounds`."""
    # The bare SDK's floor is built from the emulator's connection string, as the SDK's own
    # samples do; the adapter from the app's settings.
    connection = stack.app_settings[SettingName.STORAGE_CONNECTION]
    pushes = _pushes(options.pushes)
    payloads = [push_to_json(push) for push in pushes]
    adapter_queue, floor_queue = fresh_queue(stack, "bench-push"), fresh_queue(stack, "bench-bare")
    try:
        sender = queue_push_sender(stack.settings.storage, adapter_queue)
        bare = QueueClient.from_connection_string(
            connection, floor_queue, message_encode_policy=TextBase64EncodePolicy()
        )

        def through_adapter() -> None:
            for push in pushes:
                sender.send(push)

        def bare_sdk() -> None:
            for payload in payloads:
                bare.send_message(payload)

        for warm in range(20):  # connections, the SDK's lazy set-up
            sender.send(pushes[warm % len(pushes)])
            bare.send_message(payloads[warm % len(payloads)])
        adapter_rates, floor_rates = [], []
        for _ in range(options.push_rounds):
            adapter_rates.append(_rate(through_adapter, options.pushes))
            floor_rates.append(_rate(bare_sdk, options.pushes))
    finally:
        delete_queue(stack, adapter_queue)
        delete_queue(stack, floor_queue)
    ratios = [mine / floor for mine, floor in zip(adapter_rates, floor_rates, strict=True)]
    return {
        "pushes": options.pushes,
        "rounds": options.push_rounds,
        "adapter_per_s": round(statistics.median(adapter_rates), 1),
        "bare_sdk_per_s": round(statistics.median(floor_rates), 1),
        "adapter_to_bare_sdk": round(statistics.median(ratios), 3),
        "adapter_runs_per_s": [round(rate, 1) for rate in adapter_rates],
        "bare_sdk_runs_per_s": [round(rate, 1) for rate in floor_rates],
    }
