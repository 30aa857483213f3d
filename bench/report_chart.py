"""The benchmark report's chart: one PNG of a grid of panels (two rows), each bar labelled
with its value and its ratio (to its SDK floor, its target, or the other case it is
compared with).

Drawn with matplotlib's object API on the Agg canvas: no display, no pyplot state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

POSTINO = "#2b6cb0"
SECOND = "#90cdf4"
FLOOR = "#a0aec0"
TARGET = "#c53030"
WIDTH = 0.38
LABEL_SIZE = 8
TIMES = "\N{MULTIPLICATION SIGN}"


def _section(report: dict[str, Any], name: str) -> dict[str, Any] | None:
    """A benchmark's result, or None if it was not run or failed."""
    section = report["benchmarks"].get(name)
    if section is None or "result" not in section:
        return None
    result: dict[str, Any] = section["result"]
    return result


def _missing(axes: Axes, title: str, why: str) -> None:
    axes.set_title(title, fontsize=10)
    axes.text(0.5, 0.5, why, ha="center", va="center", transform=axes.transAxes, color="grey")
    axes.set_xticks([])
    axes.set_yticks([])


def _headroom(axes: Axes, values: Sequence[float], factor: float = 1.3) -> None:
    """Room above the tallest bar for its label."""
    top = max(values, default=0.0)
    axes.set_ylim(0, top * factor if top > 0 else 1)


def _label(axes: Axes, bars: BarContainer, labels: list[str]) -> None:
    """Each bar's label above it, on a white ground (a target line may pass behind it)."""
    axes.bar_label(
        bars,
        labels=labels,
        fontsize=LABEL_SIZE,
        padding=2,
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
    )


def _target(axes: Axes, value: float, text: str) -> None:
    """A dashed line at a target, named in the legend."""
    axes.axhline(value, color=TARGET, linestyle="--", linewidth=1, label=text)
    axes.legend(fontsize=8, loc="upper left")


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}{TIMES}"


def _pairs(
    axes: Axes,
    groups: list[tuple[str, float, float, str, str]],
    names: tuple[str, str],
    colours: tuple[str, str] = (POSTINO, FLOOR),
) -> None:
    """Two bars per group: (label, first value, second value, first's label, second's label)."""
    positions = range(len(groups))
    sides = (
        (-1, [group[1] for group in groups], [group[3] for group in groups]),
        (1, [group[2] for group in groups], [group[4] for group in groups]),
    )
    for (offset, values, labels), colour, name in zip(sides, colours, names, strict=True):
        bars = axes.bar(
            [x + offset * WIDTH / 2 for x in positions], values, WIDTH, color=colour, label=name
        )
        _label(axes, bars, labels)
    axes.set_xticks(list(positions), [group[0] for group in groups], fontsize=8)
    _headroom(axes, [value for group in groups for value in group[1:3]])
    axes.legend(fontsize=8, loc="upper right")


def _throughput(axes: Axes, report: dict[str, Any]) -> None:
    title = "Throughput against the SDK floor (per second, higher is better)"
    groups: list[tuple[str, float, float, str, str]] = []
    for name, label in (
        ("pipeline_accept_only", "accept only"),
        ("pipeline_accept_only_floor_processes", "2-process\nfloor"),
        ("pipeline", "with processing"),
    ):
        result = _section(report, name)
        if result is None:
            continue
        mine, floor, ratios = result["pipeline"], result["floor"], result["ratios"]
        metrics = [("accepted", "accepted_per_s")]
        if not result["accept_only"]:
            metrics.append(("processed", "processed_per_s"))
        for metric, key in metrics:
            if mine.get(key) is None or floor.get(key) is None:
                continue
            groups.append(
                (
                    f"{metric}/s\n({label})",
                    mine[key],
                    floor[key],
                    f"{mine[key]:,.0f}\n{_ratio(ratios[metric])}",
                    f"{floor[key]:,.0f}",
                )
            )
    dispatch = _section(report, "dispatch_rates")
    if dispatch is not None and dispatch["dispatch"]["events_per_s"] is not None:
        mine, floor = dispatch["dispatch"]["events_per_s"], dispatch["floor"]["events_per_s"]
        groups.append(
            (
                "events dispatched/s\n(pushes, callbacks)",
                mine,
                floor or 0.0,
                f"{mine:,.0f}\n{_ratio(dispatch['ratio_to_floor'])}",
                "-" if floor is None else f"{floor:,.0f}",
            )
        )
    pushes = _section(report, "reminders")
    if pushes is not None:
        queue = pushes["push_queue"]
        groups.append(
            (
                "reminder pushes/s\n(queue adapter)",
                queue["adapter_per_s"],
                queue["bare_sdk_per_s"],
                f"{queue['adapter_per_s']:,.0f}\n{_ratio(queue['adapter_to_bare_sdk'])}",
                f"{queue['bare_sdk_per_s']:,.0f}",
            )
        )
    if not groups:
        _missing(axes, title, "no pipeline, dispatch or reminder result")
        return
    axes.set_title(title, fontsize=10)
    _pairs(axes, groups, ("Postino (ratio to floor)", "SDK floor, same storage calls"))


def _attachment_time(axes: Axes, report: dict[str, Any]) -> None:
    result = _section(report, "attachment_memory")
    if result is None:
        _missing(axes, "Storing the attachments", "not run")
        return
    timing = result["timing"]
    size = result["attachment_bytes"] / (1024 * 1024)
    axes.set_title(
        f"Storing {result['attachments']} {TIMES} {size:g} MiB PDFs "
        f"(ms, median of {timing['repeat']}, lower is better)",
        fontsize=10,
    )
    bars = [
        (
            "store.put\n(4 MiB slices)",
            timing["store_put_median_ms"],
            timing["store_put_to_bare_sdk"],
        ),
        ("decode whole\n+ upload", timing["naive_median_ms"], timing["naive_to_bare_sdk"]),
        ("bare SDK upload\n(floor)", timing["bare_sdk_upload_median_ms"], 1.0),
    ]
    drawn = axes.bar(
        [label for label, _, _ in bars],
        [value for _, value, _ in bars],
        color=[POSTINO, SECOND, FLOOR],
    )
    _label(axes, drawn, [f"{value:,.0f} ms\n{_ratio(ratio)}" for _, value, ratio in bars])
    axes.tick_params(axis="x", labelsize=8)
    _headroom(axes, [value for _, value, _ in bars])


def _cpu(axes: Axes, report: dict[str, Any]) -> None:
    result = _section(report, "create_message_cpu")
    if result is None:
        _missing(axes, "CreateMessage CPU per request", "not run")
        return
    target = result["target_median_us"]
    axes.set_title(
        f"CreateMessage CPU per request (µs, {result['requests']:,} requests, lower is better)",
        fontsize=10,
    )
    groups = []
    for key, label in (
        ("without_idempotency_key", "no Idempotency-Key"),
        ("with_idempotency_key", "with Idempotency-Key"),
    ):
        figures = result[key]
        groups.append(
            (
                label,
                figures["median_us"],
                figures["p99_us"],
                f"{figures['median_us']:.0f}\n{_ratio(figures['median_us'] / target)} target",
                f"{figures['p99_us']:.0f}",
            )
        )
    _pairs(axes, groups, ("median (ratio to target)", "p99"), (POSTINO, SECOND))
    _target(axes, target, f"target: median < {target} µs")
    _headroom(axes, [target, *(max(group[1], group[2]) for group in groups)], 1.2)


def _latency(axes: Axes, report: dict[str, Any]) -> None:
    title = "POST latency (ms, lower is better)"
    found = [
        (label, result["pipeline"], result["concurrency"])
        for name, label in (
            ("pipeline_accept_only", "accept only"),
            ("pipeline", "with processing"),
        )
        if (result := _section(report, name)) is not None
    ]
    if not found:
        _missing(axes, title, "not run")
        return
    axes.set_title(f"{title}, concurrency {found[0][2]}; ratios to accept only", fontsize=10)
    baseline = found[0][1]
    groups = []
    for label, figures, _ in found:
        p50, p99 = figures["accept_p50_ms"], figures["accept_p99_ms"]
        suffix = ""
        if figures is not baseline:
            suffix = "\n" + _ratio(p50 / baseline["accept_p50_ms"])
        groups.append(
            (
                label,
                p50,
                p99,
                f"{p50:.0f}{suffix}",
                f"{p99:.0f}"
                + ("" if not suffix else "\n" + _ratio(p99 / baseline["accept_p99_ms"])),
            )
        )
    _pairs(axes, groups, ("p50", "p99"), (POSTINO, SECOND))


def _reminders(axes: Axes, report: dict[str, Any]) -> None:
    result = _section(report, "reminders")
    if result is None:
        _missing(axes, "A reminder run", "not run")
        return
    scenarios = result["scenarios"]
    ratio_target = result["target"]["run_time_ratio_at_most"]
    axes.set_title(
        f"A reminder run, {result['due']:,} due (s, median of {result['repeat']}, lower is better)",
        fontsize=10,
    )
    first = scenarios[0]["run_median_seconds"]
    groups = [
        (
            f"{scenario['stored']:,} stored\n{scenario.get('partitions', '?')} partitions",
            scenario["run_median_seconds"],
            scenario.get("floor_median_seconds", 0.0),
            f"{scenario['run_median_seconds']:.1f} s, "
            f"{_ratio(scenario['run_median_seconds'] / first)}\n"
            f"{scenario['documents_read_per_run']:,} docs",
            f"{scenario.get('floor_median_seconds', 0.0):.1f} s\n"
            f"run {scenario.get('to_floor_median', 0):.2f} of it",
        )
        for scenario in scenarios
    ]
    _pairs(axes, groups, ("fanned-out run", "its calls, bare SDK, 16 threads"))
    limit = first * ratio_target
    _target(axes, limit, f"target: at most {ratio_target}{TIMES} the smallest")
    _headroom(axes, [limit, *(group[1] for group in groups)], 1.3)


def _memory(axes: Axes, report: dict[str, Any]) -> None:
    result = _section(report, "attachment_memory")
    if result is None:
        _missing(axes, "Memory of the attachments", "not run")
        return
    target = result["target_peak_mib"]
    axes.set_title(
        f"New Python memory at peak (MiB, a {result['request_body_mib']:g} MiB body, "
        "lower is better)",
        fontsize=10,
    )
    bars = [
        ("store.put\n(both files)", result["store"]),
        ("decode whole\n+ upload", result["naive"]),
        ("CreateMessage,\nwhole request", result["request"]),
    ]
    drawn = axes.bar(
        [label for label, _ in bars],
        [figures["peak_mib"] for _, figures in bars],
        color=[POSTINO, SECOND, FLOOR],
    )
    _label(
        axes,
        drawn,
        [
            f"{figures['peak_mib']:.1f} MiB\n{_ratio(figures['peak_to_body'])} body"
            for _, figures in bars
        ],
    )
    _target(axes, target, f"store.put's target: < {target} MiB")
    axes.tick_params(axis="x", labelsize=8)
    _headroom(axes, [target, *(figures["peak_mib"] for _, figures in bars)], 1.25)


def _slow_receiver(axes: Axes, report: dict[str, Any]) -> None:
    result = _section(report, "dispatch_rates")
    title = "Callback latency beside a slow receiver"
    if result is None:
        _missing(axes, title, "not run")
        return
    latency, goals = result["latency"], result["goals"]
    runs = [run for run in latency["runs"] if run["prompt_service"]["median_ms"] is not None]
    if not runs:
        _missing(axes, title, "no event arrived")
        return
    axes.set_title(
        f"{title}: a prompt service's callbacks while another's receiver waits\n"
        f"(ms from the event to its POST, {latency['rate_per_s']:g} events/s, "
        f"ratios to no slow receiver, lower is better)",
        fontsize=10,
    )
    groups = []
    for run in runs:
        prompt = run["prompt_service"]
        delay = run["receiver_delay_s"]
        groups.append(
            (
                "no slow receiver" if delay == 0 else f"other receiver\n{delay:g} s late",
                prompt["median_ms"],
                prompt["p99_ms"],
                f"{prompt['median_ms']:,.0f}\n{_ratio(prompt['median_to_no_slow_receiver'])}",
                f"{prompt['p99_ms']:,.0f}\n{_ratio(prompt['p99_to_no_slow_receiver'])}",
            )
        )
    _pairs(axes, groups, ("prompt service's p50", "its p99"), (POSTINO, SECOND))
    limit = runs[0]["prompt_service"]["median_ms"] * goals["prompt_median_growth_at_most"]
    _target(axes, limit, f"goal: p50 at most {goals['prompt_median_growth_at_most']:g}{TIMES} none")
    _headroom(axes, [limit, *(group[2] for group in groups)], 1.3)


PANELS: tuple[Callable[[Axes, dict[str, Any]], None], ...] = (
    _throughput,
    _attachment_time,
    _cpu,
    _latency,
    _reminders,
    _memory,
    _slow_receiver,
)
ROWS = 2
COLUMNS = -(-len(PANELS) // ROWS)
PANEL_INCHES = (5.5, 5.0)
DPI = 100
# The PNG's size in pixels: (width, height).
CHART_PIXELS = (round(PANEL_INCHES[0] * COLUMNS * DPI), round(PANEL_INCHES[1] * ROWS * DPI))


def draw_chart(report: dict[str, Any], path: Path) -> None:
    """Draw the report's panels into a PNG at `path` (a grid of ROWS rows)."""
    figure = Figure(
        figsize=(PANEL_INCHES[0] * COLUMNS, PANEL_INCHES[1] * ROWS), layout="constrained"
    )
    FigureCanvasAgg(figure)
    grid = figure.subplots(ROWS, COLUMNS)
    cells = list(grid.flat)
    for axes, panel in zip(cells, PANELS, strict=False):
        panel(axes, report)
        axes.spines[["top", "right"]].set_visible(False)
    for axes in cells[len(PANELS) :]:
        axes.set_axis_off()
    machine = report["machine"]
    commit = (machine.get("git_commit") or "unknown")[:10]
    if machine.get("git_uncommitted_changes"):
        commit += " + changes"
    figure.suptitle(
        f"Postino benchmarks, {report['date']}{' (quick sizes)' if report['quick'] else ''}: "
        f"{machine['cpu_count']} CPUs, Python {machine['python']}, commit {commit}, "
        "local emulators",
        fontsize=12,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI)
