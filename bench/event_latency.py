"""Dispatch latency of status callbacks on the local stack: from the change (the event's
`occurred_at`, written with the decision) to the POST reaching a local receiver, through the
offline host's ProcessMessage and DispatchEvent.

`python -m bench.event_latency [--messages 200] [--rate 20] [--json-out FILE]`: sends the
messages at a steady rate to registered citizens from a service whose callback is a receiver
on 127.0.0.1, and reports the median and p99 latency and how many POSTs each event took.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from bench.callback_receiver import CallbackReceiver
from bench.output import report_result
from bench.pipeline_stack import (
    fresh_queue,
    own_stack,
    register_citizens,
    register_sender,
    running_host,
)
from shared.adapters.secret_box import SecretBox
from shared.adapters.system_clock import SystemClock
from shared.bootstrap import build_app
from shared.services.callback_admin import set_callback


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(messages: int, rate: float, log_dir: Path) -> dict[str, Any]:
    with own_stack(log_dir / "stack") as stack, CallbackReceiver() as receiver:
        app = build_app(stack.settings)
        sender = register_sender(stack)
        set_callback(
            sender.service_id,
            receiver.url(),
            services=app.services,
            sealer=SecretBox.from_setting(stack.settings.callback_secrets_key),
            clock=SystemClock(),
            allow_loopback_http=True,
        )
        citizens = register_citizens(stack, 20)
        queue = fresh_queue(stack, "bench-events")
        with running_host(stack, messages_queue=queue, log=log_dir / "host.log") as host:
            session = requests.Session()
            started = time.monotonic()
            for n in range(messages):
                time.sleep(max(0.0, started + n / rate - time.monotonic()))
                response = session.post(
                    f"{host.base_url}/api/v1/messages/{citizens[n % len(citizens)]}",
                    json={"content": {"subject": "Benchmark message", "markdown": "x" * 100}},
                    headers={"Ocp-Apim-Subscription-Key": sender.api_key},
                    timeout=30,
                )
                response.raise_for_status()
            deadline = time.monotonic() + 120
            while len({arrival.event["id"] for arrival in receiver.arrivals}) < messages:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.2)
    first: dict[str, float] = {}
    occurred: dict[str, float] = {}
    arrivals = receiver.arrivals
    for arrival in arrivals:
        event = arrival.event
        occurred[event["id"]] = datetime.fromisoformat(event["occurred_at"]).timestamp()
        first.setdefault(event["id"], arrival.at)
    latencies = [(first[key] - occurred[key]) * 1000 for key in first]
    posts = Counter(arrival.event["id"] for arrival in arrivals)
    return {
        "benchmark": "event_latency",
        "messages": messages,
        "rate_per_second": rate,
        "events_received": len(first),
        "posts_per_event_max": max(posts.values(), default=0),
        "latency_ms_median": round(statistics.median(latencies), 1) if latencies else None,
        "latency_ms_p99": round(_percentile(latencies, 0.99), 1) if latencies else None,
        "latency_ms_max": round(max(latencies), 1) if latencies else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-events-") as folder:
        result = measure(args.messages, args.rate, Path(folder))
    ok = result["events_received"] == args.messages and result["posts_per_event_max"] == 1
    return report_result(result, ok=ok, json_out=args.json_out)


if __name__ == "__main__":
    raise SystemExit(main())
