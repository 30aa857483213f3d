"""CPU time of the benchmark's own process and of each process it started (the emulators,
the Functions host), read from /proc: which process pays for a phase, per message.

On a machine with few cores every process of the stack competes for the same CPUs, so
CPU milliseconds per message, summed over the processes, bound the throughput.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
# How a started process is recognised from its command line.
_ROLES = (
    ("cosmos", "cosmos/server.js"),
    ("azurite", "azurite"),
    ("host", "offline_host"),
)
CLIENT = "client"


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces.
    return raw[raw.rindex(")") + 2 :].split()


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def _cpu_seconds(pid: int) -> float:
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    # utime and stime: fields 14 and 15 of /proc/<pid>/stat, in clock ticks.
    return (int(fields[11]) + int(fields[12])) / _TICKS_PER_SECOND


def _role(pid: int) -> str | None:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None
    return next((role for role, marker in _ROLES if marker in command), None)


def _tree(pid: int, children: dict[int, list[int]]) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children.get(current, []))
    return found


def cpu_snapshot() -> dict[str, float]:
    """CPU seconds used so far by this process ("client") and by each role among the
    processes it started, their own children included."""
    children = _children()
    totals = {CLIENT: time.process_time()}
    for child in children.get(os.getpid(), []):
        role = _role(child)
        if role is not None:
            totals[role] = totals.get(role, 0.0) + sum(
                _cpu_seconds(pid) for pid in _tree(child, children)
            )
    return totals


def role_cpu_seconds(role: str) -> float:
    """CPU seconds used so far by the processes of one role (e.g. "azurite")."""
    return cpu_snapshot().get(role, 0.0)


def cpu_ms_per_message(
    before: dict[str, float], after: dict[str, float], messages: int
) -> dict[str, float]:
    """CPU milliseconds per message of each process between two snapshots, and their sum."""
    spent = {
        role: round((after[role] - before.get(role, 0.0)) * 1000 / messages, 2)
        for role in sorted(after)
    }
    spent["total"] = round(sum(spent.values()), 2)
    return spent
