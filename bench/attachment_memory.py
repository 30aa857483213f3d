"""Memory of accepting the largest Premium request: two 10 MiB PDFs (20 MiB, the limit).

Starts its own emulators (as `make run` does), then measures with tracemalloc the peak of
new Python allocations while both attachments are decoded and stored in the attachments
container, the request's text already parsed (the body is held by the caller either way):

- store: BlobAttachmentStore.put, a slice of base64 at a time, one block per slice;
- naive: b64decode of the whole text, then upload_blob of the whole bytes;
- request: the whole of CreateMessage's handling of that request (authentication, parsing
  the JSON, validation, Idempotency-Key fingerprint, storing both attachments, the record
  and the queue message), the body already received (the host holds it).

Each peak is reported in MiB and as a ratio to the request body's size. Times, medians over
`--repeat` runs of the same request in one process: the store's put, the naive way, and the
bare SDK uploading bytes decoded beforehand (the floor). Target: the store's peak stays under
8 MiB, whatever the number and size of the attachments.

    .venv/bin/python -m bench.attachment_memory [--repeat 5] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import base64
import gc
import json
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import azure.functions as func
from azure.storage.blob import ContainerClient, ContentSettings

from bench.output import report_result
from bench.pipeline_stack import (
    BenchStack,
    new_fiscal_code,
    own_stack,
    register_citizens,
    register_sender,
)
from infra.local.emulators import PROJECT_ROOT
from shared.adapters.blob_attachments import (
    SLICE_CHARS,
    BlobAttachmentStore,
    attachment_store,
    blob_container_client,
)
from shared.domain.attachments import (
    MAX_ATTACHMENT_BYTES,
    PDF_CONTENT_TYPE,
    attachment_blob_name,
)
from shared.entrypoints.create_message import create_message_entry
from shared.storage_layout import BlobContainerName

DEFAULT_LOG_DIR = PROJECT_ROOT / ".local" / "logs" / "bench-attachment-memory"
ATTACHMENTS = 2
# One slice of text and the bytes it decodes to: 4 + 3 MiB.
TARGET_PEAK_MIB = 8
MIB = 1024 * 1024


def _pdf(size: int) -> bytes:
    """A PDF-shaped file of exactly `size` bytes; random filler, like compressed streams."""
    head, tail = b"%PDF-1.7\n", b"\n%%EOF\n"
    return head + os.urandom(size - len(head) - len(tail)) + tail


def request_body(attachment_bytes: int = MAX_ATTACHMENT_BYTES) -> bytes:
    """The JSON body of a message with two attachments, by default of the maximum size."""
    attachments = [
        {
            "name": f"allegato-{index}.pdf",
            "content_type": PDF_CONTENT_TYPE,
            "content": base64.b64encode(_pdf(attachment_bytes)).decode("ascii"),
        }
        for index in range(ATTACHMENTS)
    ]
    content = {
        "subject": "Avviso di pagamento TARI 2026",
        "markdown": "Gentile cittadino, " + "trova in allegato l'avviso di pagamento. " * 5,
        "attachments": attachments,
    }
    return json.dumps({"content": content, "feature_level_type": "ADVANCED"}).encode()


def _texts(body: bytes) -> list[str]:
    return [item["content"] for item in json.loads(body)["content"]["attachments"]]


def store_all(store: BlobAttachmentStore, texts: list[str], message_id: str) -> None:
    for index, text in enumerate(texts):
        store.put(attachment_blob_name(message_id, index), text)


def naive_all(container: ContainerClient, texts: list[str], message_id: str) -> None:
    for index, text in enumerate(texts):
        data = base64.b64decode(text, validate=True)
        _upload(container, attachment_blob_name(message_id, index), data)
        del data


def bare_all(container: ContainerClient, decoded: list[bytes], message_id: str) -> None:
    for index, data in enumerate(decoded):
        _upload(container, attachment_blob_name(message_id, index), data)


def _upload(container: ContainerClient, name: str, data: bytes) -> None:
    container.upload_blob(
        name,
        data,
        overwrite=True,
        content_settings=ContentSettings(content_type=PDF_CONTENT_TYPE),
    )


def traced_peak(action: Callable[[], None]) -> int:
    """The peak bytes of Python allocations made by `action` (what existed before is not
    counted)."""
    gc.collect()
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _time_into(action: Callable[[], None], samples: list[float]) -> None:
    started = time.perf_counter()
    action()
    samples.append(time.perf_counter() - started)


def whole_request_peak(stack: BenchStack, body: bytes) -> int:
    """The peak of CreateMessage handling one request with this body (answered 201)."""
    os.environ.update(stack.app_settings)
    sender = register_sender(stack)
    (fiscal_code,) = register_citizens(stack, 1)

    def request() -> func.HttpRequest:
        return func.HttpRequest(
            "POST",
            f"http://127.0.0.1:7071/api/v1/messages/{fiscal_code}",
            headers={
                "Ocp-Apim-Subscription-Key": sender.api_key,
                "Content-Type": "application/json",
                "Idempotency-Key": new_fiscal_code(),
            },
            route_params={"fiscal_code": fiscal_code},
            body=body,
        )

    statuses: list[int] = []
    statuses.append(create_message_entry(request()).status_code)  # warm up
    measured = request()
    peak = traced_peak(lambda: statuses.append(create_message_entry(measured).status_code))
    if statuses != [201, 201]:
        raise RuntimeError(f"CreateMessage answered {statuses}, not 201")
    return peak


def measure(
    stack: BenchStack, repeat: int, attachment_bytes: int = MAX_ATTACHMENT_BYTES
) -> dict[str, Any]:
    store = attachment_store(stack.settings.storage)
    container = blob_container_client(stack.settings.storage, BlobContainerName.ATTACHMENTS)
    body = request_body(attachment_bytes)
    texts = _texts(body)
    # Warm up: imports, connection pools and the SDK's lazy set-up are not the request's.
    store_all(store, texts, "BENCHWARMUPSTORE")
    naive_all(container, texts, "BENCHWARMUPNAIVE")
    store_peak = traced_peak(lambda: store_all(store, texts, "BENCHSTORE"))
    naive_peak = traced_peak(lambda: naive_all(container, texts, "BENCHNAIVE"))
    decoded = [base64.b64decode(text) for text in texts]
    timings: dict[str, list[float]] = {"store_put": [], "naive": [], "bare_sdk_upload": []}
    # Interleaved, so the shared machine's noise falls on all three alike.
    for _ in range(repeat):
        _time_into(lambda: store_all(store, texts, "BENCHSTORE"), timings["store_put"])
        _time_into(lambda: naive_all(container, texts, "BENCHNAIVE"), timings["naive"])
        _time_into(lambda: bare_all(container, decoded, "BENCHBARE"), timings["bare_sdk_upload"])
    medians = {name: statistics.median(samples) for name, samples in timings.items()}
    decoded.clear()  # not part of the request measured next
    request_peak = whole_request_peak(stack, body)
    return {
        "benchmark": "attachment_memory",
        "attachments": ATTACHMENTS,
        "attachment_bytes": attachment_bytes,
        "request_body_bytes": len(body),
        "request_body_mib": round(len(body) / MIB, 2),
        "slice_chars": SLICE_CHARS,
        "store": {
            "peak_mib": round(store_peak / MIB, 2),
            "peak_to_body": round(store_peak / len(body), 3),
        },
        "naive": {
            "peak_mib": round(naive_peak / MIB, 2),
            "peak_to_body": round(naive_peak / len(body), 3),
        },
        "request": {
            "peak_mib": round(request_peak / MIB, 2),
            "peak_to_body": round(request_peak / len(body), 3),
        },
        "timing": {
            "repeat": repeat,
            "store_put_median_ms": round(medians["store_put"] * 1000, 1),
            "naive_median_ms": round(medians["naive"] * 1000, 1),
            "bare_sdk_upload_median_ms": round(medians["bare_sdk_upload"] * 1000, 1),
            "store_put_to_bare_sdk": round(medians["store_put"] / medians["bare_sdk_upload"], 2),
            "naive_to_bare_sdk": round(medians["naive"] / medians["bare_sdk_upload"], 2),
        },
        "target_peak_mib": TARGET_PEAK_MIB,
        "python": sys.version.split()[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--log-dir", type=Path, default=DEFAULT_LOG_DIR)
    parser.add_argument("--json-out", type=Path)
    arguments = parser.parse_args(argv)
    if arguments.repeat < 1:
        parser.error("--repeat must be at least 1")
    with own_stack(arguments.log_dir) as stack:
        result = measure(stack, arguments.repeat)
    return report_result(
        result, ok=result["store"]["peak_mib"] < TARGET_PEAK_MIB, json_out=arguments.json_out
    )


if __name__ == "__main__":
    sys.exit(main())
