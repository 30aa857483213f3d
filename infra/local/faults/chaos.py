"""A chaos run: messages sent through every fault at once, then an exactly-once audit.

    python -m infra.local.faults.chaos [--messages 5000] [--clients 16]
        [--outage-seconds 120] [--kills 3] [--seed N] [--report PATH]

On a FaultyStack, careful clients (each message with its own Idempotency-Key, retried
with it) send the messages, paced over the fault plan (see `scenario`): light per-request
faults and connection cuts throughout, a queue outage, a Cosmos DB outage, host kills. A
probe reads statuses meanwhile. Then every fault is cleared, the run waits until no message
is ACCEPTED (at most --settle-seconds), audits the stores, prints a Markdown summary and
writes a JSON report. Exit code 1 when the audit finds a message lost, delivered twice,
stuck or with a wrong history; 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.local.faults.audit import AuditReport
from infra.local.faults.load import Load, Probe, ProbeResult
from infra.local.faults.scenario import FaultScenario, Step, plan, planned_seconds
from infra.local.faults.sender import Attempt, Outbound
from infra.local.faults.stack import FaultyStack
from infra.local.faults.store_reads import audit_stores, count_accepted
from infra.local.faults.summary import format_phase_table, phase_stats, post_outcome
from infra.local.faults.timeline import Phase, PhaseLog
from shared.domain.message import MessageStatus

logger = logging.getLogger("infra.local.faults.chaos")

PROGRESS_EVERY_SECONDS = 15.0
SETTLE_POLL_SECONDS = 5.0


@dataclass(frozen=True)
class RunOptions:
    messages: int
    clients: int
    outage_seconds: float
    kills: int
    seed: int
    report: Path | None
    fault_rate: float
    citizens: int
    unregistered_share: float
    attachment_share: float
    grace_seconds: int
    sweeper_schedule: str
    give_up_seconds: float
    settle_seconds: float


def parse_args(argv: Sequence[str] | None = None) -> RunOptions:
    parser = argparse.ArgumentParser(
        prog="python -m infra.local.faults.chaos",
        description="Send messages through outages, resets and host kills; audit exactly-once.",
    )
    parser.add_argument("--messages", type=int, default=5000, help="messages to send (5000)")
    parser.add_argument("--clients", type=int, default=16, help="client threads (16)")
    parser.add_argument(
        "--outage-seconds",
        type=float,
        default=120.0,
        help="length of the queue outage and of the Cosmos DB outage (120; 0: none)",
    )
    parser.add_argument("--kills", type=int, default=3, help="host SIGKILLs (3)")
    parser.add_argument("--seed", type=int, default=None, help="seed of every random choice")
    parser.add_argument(
        "--report", type=Path, default=None, help="JSON report (default: in the run's log dir)"
    )
    parser.add_argument(
        "--fault-rate",
        type=float,
        default=0.03,
        help="share of requests given a light fault on each proxy (0.03)",
    )
    parser.add_argument("--citizens", type=int, default=200, help="registered citizens (200)")
    parser.add_argument(
        "--unregistered-share",
        type=float,
        default=0.03,
        help="share of messages to unregistered codes, expected REJECTED (0.03)",
    )
    parser.add_argument(
        "--attachment-share",
        type=float,
        default=0.1,
        help="share of messages sent ADVANCED with a small PDF attachment (0.1)",
    )
    parser.add_argument(
        "--grace-seconds",
        type=int,
        default=20,
        help="the host's ACCEPTED_GRACE_SECONDS (20; production: 60)",
    )
    parser.add_argument(
        "--sweeper-schedule",
        default="*/10 * * * * *",
        help="the host's SWEEPER_SCHEDULE (every 10 s; production: '0 */1 * * * *')",
    )
    parser.add_argument(
        "--give-up-seconds", type=float, default=180.0, help="a client's patience per message"
    )
    parser.add_argument(
        "--settle-seconds",
        type=float,
        default=300.0,
        help="how long to wait, after the load, for nothing to be ACCEPTED (300)",
    )
    args = parser.parse_args(argv)
    if args.messages < 1 or args.clients < 1 or args.kills < 0 or args.outage_seconds < 0:
        parser.error("--messages and --clients must be positive, --kills and outages not negative")
    shares = (args.fault_rate, args.unregistered_share, args.attachment_share)
    if not all(0.0 <= share <= 1.0 for share in shares):
        parser.error(
            "--fault-rate, --unregistered-share and --attachment-share are fractions "
            "between 0 and 1"
        )
    return RunOptions(
        messages=args.messages,
        clients=args.clients,
        outage_seconds=args.outage_seconds,
        kills=args.kills,
        seed=args.seed if args.seed is not None else random.SystemRandom().randrange(2**31),
        report=args.report,
        fault_rate=args.fault_rate,
        citizens=args.citizens,
        unregistered_share=args.unregistered_share,
        attachment_share=args.attachment_share,
        grace_seconds=args.grace_seconds,
        sweeper_schedule=args.sweeper_schedule,
        give_up_seconds=args.give_up_seconds,
        settle_seconds=args.settle_seconds,
    )


def _outbound(stack: FaultyStack, options: RunOptions, rng: random.Random) -> list[Outbound]:
    unregistered = stack.unregistered_fiscal_codes(max(1, options.messages // 100))
    messages = []
    for _ in range(options.messages):
        if rng.random() < options.unregistered_share:
            code, expected = rng.choice(unregistered), MessageStatus.REJECTED
        else:
            code, expected = rng.choice(stack.citizens), MessageStatus.PROCESSED
        attachment = rng.random() < options.attachment_share
        messages.append(Outbound.new(code, expected_status=expected, attachment=attachment))
    return messages


def _settle(stack: FaultyStack, seconds: float) -> tuple[float, int]:
    """Wait until no message of the run's service is ACCEPTED; (seconds waited, left)."""
    began = time.monotonic()
    service = [stack.service.service_id]
    while True:
        left = count_accepted(stack.settings, service)
        waited = time.monotonic() - began
        if left == 0 or waited >= seconds:
            return waited, left
        logger.info("settling: %d messages still ACCEPTED after %.0fs", left, waited)
        time.sleep(SETTLE_POLL_SECONDS)


@dataclass(frozen=True)
class RunRecord:
    """Everything a run measured, for the summary and the report."""

    options: RunOptions
    steps: list[Step]
    started: float
    load_seconds: float
    settle_seconds: float
    left_accepted: int
    attempts: list[Attempt]
    probes: list[ProbeResult]
    phases: list[Phase]
    events: list[tuple[float, str]]
    kills: int
    host_down_seconds: list[float]
    proxy_stats: dict[str, dict[str, int]]
    audit: AuditReport
    log_dir: Path


def run(options: RunOptions) -> RunRecord:
    rng = random.Random(options.seed)  # noqa: S311 - test data, not a secret
    with FaultyStack(
        grace_seconds=options.grace_seconds,
        sweeper_schedule=options.sweeper_schedule,
        citizens=options.citizens,
        seed=options.seed,
    ) as stack:
        logger.info("stack up; logs in %s", stack.log_dir)
        outbound = _outbound(stack, options, rng)
        steps = plan(options.outage_seconds, options.kills, rng)
        phases = PhaseLog()
        scenario = FaultScenario(
            stack, steps, phases=phases, fault_rate=options.fault_rate, rng=rng
        )
        load = Load(
            stack.base_url,
            stack.service.api_key,
            outbound,
            clients=options.clients,
            seconds=planned_seconds(steps),
            give_up_after=options.give_up_seconds,
            rng=rng,
        )
        probe = Probe(stack.base_url, stack.service.api_key, load, rng=rng)
        started = time.monotonic()
        logger.info(
            "sending %d messages over %.0fs of planned faults",
            options.messages,
            planned_seconds(steps),
        )
        load.start()
        probe.start()
        scenario.start()
        while not load.done:
            time.sleep(PROGRESS_EVERY_SECONDS)
            logger.info("progress: %s", load.progress())
        load_seconds = time.monotonic() - started
        probes = probe.stop()
        scenario.stop()
        stack.clear_faults()
        if not stack.host_running:
            stack.restart()
        logger.info("load over after %.0fs; waiting for every message to be decided", load_seconds)
        settle_seconds, left = _settle(stack, options.settle_seconds)
        results = load.results
        audit = audit_stores(
            stack.settings, [result.send for result in results], [stack.service.service_id]
        )
        return RunRecord(
            options=options,
            steps=steps,
            started=started,
            load_seconds=load_seconds,
            settle_seconds=settle_seconds,
            left_accepted=left,
            attempts=[attempt for result in results for attempt in result.attempts],
            probes=probes,
            phases=phases.phases(),
            events=[(event.at - started, event.what) for event in scenario.events],
            kills=scenario.kills,
            host_down_seconds=scenario.host_down_seconds,
            proxy_stats={store.value: proxy.stats for store, proxy in stack.proxies.items()},
            audit=audit,
            log_dir=stack.log_dir,
        )


def summary_markdown(record: RunRecord) -> str:
    options = record.options
    stats = phase_stats(record.attempts, record.probes, record.phases)
    down = ", ".join(f"{s:.1f}s" for s in record.host_down_seconds) or "-"
    lines = [
        "## Chaos run",
        "",
        f"{options.messages} messages, {options.clients} clients, outages of "
        f"{options.outage_seconds:.0f}s, {record.kills} kills (host down {down}), "
        f"light faults {options.fault_rate:.0%}, seed {options.seed}; load "
        f"{record.load_seconds:.0f}s, settled in {record.settle_seconds:.0f}s.",
        "",
        "### What the clients saw (POST attempts and status GETs; latencies in seconds)",
        "",
        format_phase_table(stats),
        "",
        "### Audit",
        "",
        record.audit.format_table(),
        "",
        "### Faults injected (requests per proxy)",
        "",
        _proxy_table(record.proxy_stats),
    ]
    if record.left_accepted:
        lines += ["", f"**{record.left_accepted} messages still ACCEPTED when settling ended.**"]
    return "\n".join(lines)


def _proxy_table(stats: dict[str, dict[str, int]]) -> str:
    names = sorted({name for counts in stats.values() for name in counts})
    lines = ["| proxy | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for store, counts in stats.items():
        lines.append(f"| {store} | " + " | ".join(str(counts.get(n, 0)) for n in names) + " |")
    return "\n".join(lines)


def report_json(record: RunRecord) -> dict[str, Any]:
    def since(at: float) -> float | None:
        return None if at == float("inf") else round(at - record.started, 3)

    options = record.options
    return {
        "options": {**options.__dict__, "report": str(options.report) if options.report else None},
        "plan": [step.__dict__ for step in record.steps],
        "load_seconds": round(record.load_seconds, 1),
        "settle_seconds": round(record.settle_seconds, 1),
        "left_accepted": record.left_accepted,
        "kills": record.kills,
        "host_down_seconds": [round(s, 2) for s in record.host_down_seconds],
        "events": [{"at": round(at, 2), "what": what} for at, what in record.events],
        "phases": [
            {"kind": p.kind.value, "start": since(p.start), "end": since(p.end), "note": p.note}
            for p in record.phases
        ],
        "phase_stats": [
            row.as_dict() for row in phase_stats(record.attempts, record.probes, record.phases)
        ],
        "audit": record.audit.as_dict(),
        "proxy_stats": record.proxy_stats,
        # [start (s since the load began), latency (s), answer]
        "post_attempts": [
            [since(a.started), round(a.seconds, 3), post_outcome(a)] for a in record.attempts
        ],
        "gets": [
            [since(p.started), round(p.seconds, 3), p.status, p.message_status or p.error]
            for p in record.probes
        ],
    }


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("infra.local.faults").setLevel(logging.INFO)
    record = run(options)
    print(summary_markdown(record))
    path = options.report or record.log_dir / "chaos-report.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report_json(record), indent=1), encoding="utf-8")
    print(f"\nJSON report: {path}")
    return 0 if record.audit.clean and not record.left_accepted else 1


if __name__ == "__main__":
    sys.exit(main())
