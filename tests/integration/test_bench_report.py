"""The benchmark report, run with its quick sizes on the session's emulators, writes one
JSON document with every benchmark's section and ratios, and a PNG chart of them."""

from __future__ import annotations

import json
import struct

import pytest

from bench.pipeline_stack import BenchStack, one_stack
from bench.report import NAMES, Where, headline, machine, quick_plan, run_report
from bench.report_chart import CHART_PIXELS, draw_chart

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.bench


@pytest.mark.emulators
def test_a_quick_report_has_every_benchmark_with_ratios_and_a_chart(local_stack, tmp_path):
    # GIVEN the session's emulators, shared by every benchmark of the quick plan
    stack = BenchStack(settings=local_stack.settings, app_settings=local_stack.app_settings)
    where = Where(stacks=one_stack(stack), log_dir=tmp_path / "logs")

    # WHEN the report runs into a directory of its own
    json_path = run_report(
        quick_plan(), where, tmp_path / "results", quick=True, today="2026-01-02"
    )

    # THEN one JSON document holds every benchmark, each ran and has ratios; the bars that
    # are times (CreateMessage's CPU, the reminders', the dispatcher's rates and latencies)
    # are the full run's to judge: a quick run's few samples on a shared machine say
    # nothing about them.
    assert json_path == tmp_path / "results" / "2026-01-02-quick.json"
    report = json.loads(json_path.read_text(encoding="utf-8"))
    assert set(report["benchmarks"]) == set(NAMES)
    for name, section in report["benchmarks"].items():
        assert "error" not in section, section.get("error")
        if name == "reminders":
            # Tiny sizes make the time ratio noise: the quick run checks the correctness
            # (every due reminder sent, once), the full run the bar.
            assert section["result"]["failures"] == [], section["result"]["failures"]
        elif name == "reminder_host_runs":
            # Every due reminder pushed once through the host, whatever the speed-up.
            assert section["result"]["failures"] == [], section["result"]["failures"]
        elif name == "dispatch_rates":
            # Every event delivered once, and the floor still makes the calls counted.
            assert section["result"]["failures"] == [], section["result"]["failures"]
            assert section["result"]["floor_matches_counted_calls"] is True
        elif name != "create_message_cpu":
            assert section["ok"] is True, name
        assert section["options"], name
        assert section["ratios"], name
        assert all(value > 0 for value in section["ratios"].values()), (name, section["ratios"])
        assert section["result"], name
    assert set(report["failures"]) <= {
        "reminders",
        "create_message_cpu",
        "dispatch_rates",
        "reminder_host_runs",
    }
    assert report["quick"] is True
    # AND the pipeline's ratios are to its floor, processing included when it ran
    benchmarks = report["benchmarks"]
    assert set(benchmarks["pipeline_accept_only"]["ratios"]) == {"accepted_to_floor"}
    assert set(benchmarks["pipeline"]["ratios"]) == {"accepted_to_floor", "processed_to_floor"}
    assert benchmarks["pipeline"]["options"]["messages"] == 20
    assert "pushes_adapter_to_bare_sdk" in benchmarks["reminders"]["ratios"]
    assert "store_put_to_bare_sdk_upload" in benchmarks["attachment_memory"]["ratios"]
    assert set(benchmarks["dispatch_rates"]["ratios"]) == {
        "events_per_s_to_floor",
        "prompt_median_beside_slowest_receiver_to_none",
        "prompt_p99_beside_slowest_receiver_to_none",
    }
    # AND the machine it ran on is recorded
    machine = report["machine"]
    assert machine["cpu_count"] >= 1
    assert machine["python"].startswith("3.13")
    assert "git_commit" in machine

    # AND the chart beside it is a real PNG of a non-trivial size
    png = tmp_path / "results" / report["chart"]
    assert png.name == "2026-01-02-quick.png"
    data = png.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 50_000
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    assert (width, height) == CHART_PIXELS


def test_a_report_whose_benchmarks_failed_or_did_not_run_still_gets_its_chart(tmp_path):
    # GIVEN a report where one benchmark raised and the others were not run
    report = {
        "date": "2026-01-02",
        "quick": False,
        "total_seconds": 1.0,
        "machine": machine(),
        "benchmarks": {
            "pipeline": {"options": {}, "ok": False, "error": "Traceback\nRuntimeError: boom\n"}
        },
    }
    # WHEN its chart is drawn
    png = tmp_path / "2026-01-02.png"
    draw_chart(report, png)
    # THEN every panel is drawn (empty ones say so), and the headline names the error
    assert png.read_bytes().startswith(PNG_SIGNATURE)
    assert "pipeline: ERROR RuntimeError: boom" in headline(report)
