"""CreateMessage's own CPU work per request, with storage replaced by no-op ports.

Authentication with a warm service cache, validation, entitlement checks, idempotency
bookkeeping and response building: everything CreateMessage does except storage I/O.
Reports the median and tail in microseconds per request. Target: median under 300 µs.

    .venv/bin/python -m bench.create_message_cpu [--requests 5000] [--warmup 500]
        [--json-out FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import azure.functions as func

from bench.noop_ports import (
    FirstCallCounter,
    FrozenClock,
    NoopAttachments,
    NoopCallbacks,
    NoopClaims,
    NoopDeadEvents,
    NoopEvents,
    NoopIdempotency,
    NoopMessages,
    NoopPayments,
    NoopPoison,
    NoopProfiles,
    NoopPush,
    NoopQueue,
    NoopSchedule,
    NoopSecrets,
    NoopWatches,
    NoopWork,
    OneKey,
    OneService,
)
from bench.output import report_result
from shared import bootstrap
from shared.config import Settings, StorageConnectionString
from shared.domain.api_keys import hash_api_key
from shared.domain.reminders import ReminderPolicy
from shared.domain.service import Service, Tier
from shared.entrypoints.create_message import create_message_entry
from shared.services.rate_limiting import RateLimiter
from shared.services.service_directory import CachedServiceDirectory

TARGET_MEDIAN_MICROSECONDS = 300
DEFAULT_REQUESTS = 5000
DEFAULT_WARMUP = 500
API_KEY = "0123456789abcdef0123456789abcdef"
FISCAL_CODE = "RSSMRA80A01H501U"
BODY = json.dumps(
    {
        "time_to_live": 3600,
        "content": {
            "subject": "Avviso di pagamento TARI 2026",
            "markdown": "Gentile cittadino, " + "trova in allegato l'avviso di pagamento. " * 20,
            "due_date": "2026-12-31T00:00:00Z",
            "payment_data": {"amount": 12345, "notice_number": "302000000000000001"},
        },
        "feature_level_type": "ADVANCED",
    }
).encode()


def _app() -> bootstrap.App:
    service = Service(
        id="bench-service",
        name="Tributi",
        organization_name="Comune di Esempio",
        organization_fiscal_code="01234567890",
        tier=Tier.PREMIUM,
        max_allowed_payment_amount=1_000_000,
    )
    services = OneService(service, hash_api_key(API_KEY))
    api_keys = OneKey(services.record)
    clock = FrozenClock()
    settings = Settings(
        storage=StorageConnectionString("unused"),
        cosmos_endpoint="unused",
        cosmos_key="unused",
        cosmos_verify_tls=True,
        messages_queue="unused",
        citizen_hash_key="unused",
    )
    return bootstrap.App(
        settings=settings,
        messages=NoopMessages(),
        profiles=NoopProfiles(),
        services=services,
        api_keys=api_keys,
        queue=NoopQueue(),
        poison=NoopPoison(),
        idempotency=NoopIdempotency(),
        payments=NoopPayments(),
        rate_counter=FirstCallCounter(),
        rate_limiter=RateLimiter(counter=FirstCallCounter(), clock=clock),
        directory=CachedServiceDirectory(
            api_keys=api_keys, services=services, clock=clock, ttl=timedelta(days=1)
        ),
        clock=clock,
        attachments=NoopAttachments(),
        push=NoopPush(),
        schedule=NoopSchedule(),
        reminder_work=NoopWork(),
        claims=NoopClaims(),
        reminder_policy=ReminderPolicy(),
        events=NoopEvents(),
        dead_events=NoopDeadEvents(),
        callbacks=NoopCallbacks(),
        secrets=NoopSecrets(),
        watches=NoopWatches(),
    )


def _request(idempotency_key: str | None) -> func.HttpRequest:
    headers = {
        "Ocp-Apim-Subscription-Key": API_KEY,
        "Content-Type": "application/json",
        "X-Forwarded-For": "203.0.113.7",
    }
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    return func.HttpRequest(
        "POST",
        f"http://127.0.0.1:7071/api/v1/messages/{FISCAL_CODE}",
        headers=headers,
        route_params={"fiscal_code": FISCAL_CODE},
        body=BODY,
    )


def measure(requests: int, *, idempotency: bool) -> list[float]:
    """Microseconds spent in CreateMessage for each of `requests` requests."""
    samples = []
    for index in range(requests):
        request = _request(f"row-{index}" if idempotency else None)
        started = time.perf_counter_ns()
        response = create_message_entry(request)
        samples.append((time.perf_counter_ns() - started) / 1000)
        if response.status_code != 201:
            raise SystemExit(f"unexpected {response.status_code}: {response.get_body()!r}")
    return samples


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_us": round(statistics.median(ordered), 1),
        "p90_us": round(ordered[int(len(ordered) * 0.9)], 1),
        "p99_us": round(ordered[int(len(ordered) * 0.99)], 1),
    }


@contextlib.contextmanager
def _noop_app() -> Iterator[None]:
    """CreateMessage served by the no-op app for the duration; the real one restored after."""
    app = _app()
    real = bootstrap.app
    bootstrap.app = lambda: app  # type: ignore[assignment]
    try:
        yield
    finally:
        bootstrap.app = real


def run(requests: int = DEFAULT_REQUESTS, *, warmup: int = DEFAULT_WARMUP) -> dict[str, Any]:
    """Measure `requests` requests without and with an Idempotency-Key, after `warmup`
    untimed ones; return the result (medians and tails in microseconds)."""
    with _noop_app():
        measure(warmup, idempotency=False)  # warm up: imports, caches, pydantic schemas
        plain = _summary(measure(requests, idempotency=False))
        keyed = _summary(measure(requests, idempotency=True))
    return {
        "benchmark": "create_message_cpu",
        "requests": requests,
        "warmup": warmup,
        "without_idempotency_key": plain,
        "with_idempotency_key": keyed,
        "target_median_us": TARGET_MEDIAN_MICROSECONDS,
        "met": plain["median_us"] < TARGET_MEDIAN_MICROSECONDS,
        "python": sys.version.split()[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=DEFAULT_REQUESTS)
    parser.add_argument("--warmup", type=int, default=DEFAULT_WARMUP)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    if args.requests < 1 or args.warmup < 0:
        parser.error("--requests must be at least 1, --warmup at least 0")
    result = run(args.requests, warmup=args.warmup)
    return report_result(result, ok=result["met"], json_out=args.json_out)


if __name__ == "__main__":
    sys.exit(main())
