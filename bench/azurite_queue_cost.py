"""What one queue call costs Azurite as other queues fill: a fact behind the benchmarks' setup.

On each receive, delete, peek or update, Azurite drops the queue's expired messages with a
LokiJS batch remove, and LokiJS answers a batch remove (an empty one too) by rebuilding its
sorted indexes of every queue message Azurite holds: all queues, all accounts. A send is an
insert and rebuilds nothing. So the CPU of a receive or a delete grows with the messages
parked anywhere else, which is why the benchmarks empty every queue between rounds and keep
the local push queue drained within a round (bench.push_drain).

This starts Azurite on scratch files, parks 0, 1,000, 2,000 and 4,000 messages in a queue
nobody reads, and each time sends `--messages` to another queue, then receives them in
batches of 32 and deletes each: Azurite's CPU milliseconds per message received and deleted.

    .venv/bin/python -m bench.azurite_queue_cost [--messages 300] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from azure.storage.queue import QueueClient

from bench.bare_sdk import bare_queue
from bench.cpu_usage import role_cpu_seconds
from bench.output import report_result
from bench.pipeline_stack import BenchStack, delete_queue, fresh_queue, own_stack
from infra.local.emulators import PROJECT_ROOT

PARKED = (0, 1000, 2000, 4000)
DEFAULT_MESSAGES = 300
RECEIVE_BATCH = 32
LOG_DIR = PROJECT_ROOT / ".local" / "logs" / "bench-azurite-queue-cost"


def _receive_and_delete(queue: QueueClient, count: int) -> int:
    done = 0
    while done < count:
        batch = list(
            queue.receive_messages(messages_per_page=RECEIVE_BATCH, max_messages=RECEIVE_BATCH)
        )
        if not batch:
            break
        for message in batch:
            queue.delete_message(message)
        done += len(batch)
    return done


def measure(
    stack: BenchStack, messages: int = DEFAULT_MESSAGES, parked: tuple[int, ...] = PARKED
) -> dict[str, Any]:
    """Azurite's CPU per message received and deleted beside each count of `parked`
    messages (ascending) in another queue; both queues are deleted at the end."""
    parked_name, work_name = fresh_queue(stack, "parked"), fresh_queue(stack, "work")
    parking, work = bare_queue(stack.settings, parked_name), bare_queue(stack.settings, work_name)
    rows = []
    try:
        held = 0
        for target in parked:
            for _ in range(target - held):
                parking.send_message("parked")
            held = target
            for _ in range(messages):
                work.send_message("work")
            before = role_cpu_seconds("azurite")
            done = _receive_and_delete(work, messages)
            spent = role_cpu_seconds("azurite") - before
            rows.append(
                {
                    "parked_elsewhere": target,
                    "received_and_deleted": done,
                    "azurite_cpu_ms_per_message": round(spent * 1000 / max(done, 1), 2),
                }
            )
    finally:
        delete_queue(stack, parked_name)
        delete_queue(stack, work_name)
    least, most = rows[0]["azurite_cpu_ms_per_message"], rows[-1]["azurite_cpu_ms_per_message"]
    return {
        "benchmark": "azurite_queue_cost",
        "messages": messages,
        "rows": rows,
        "most_parked_to_none": round(most / least, 2) if least else None,
        "ok": all(row["received_and_deleted"] == messages for row in rows),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    with own_stack(LOG_DIR) as stack:
        result = measure(stack, args.messages)
    table = "\n".join(
        f"{row['parked_elsewhere']:>6} parked elsewhere: "
        f"{row['azurite_cpu_ms_per_message']:6.2f} ms of Azurite CPU per receive+delete"
        for row in result["rows"]
    )
    return report_result(result, ok=result["ok"], json_out=args.json_out, table=table)


if __name__ == "__main__":
    sys.exit(main())
