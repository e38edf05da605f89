"""CPU time and memory of a process and all its descendants, read from /proc (Linux)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (live ones; a reaped child's CPU is in cutime)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += _children(current)
    return found


def _children(pid: int) -> list[int]:
    children: list[int] = []
    try:
        tasks = list((PROC / str(pid) / "task").iterdir())
    except OSError:
        return children
    for task in tasks:
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return children


def cpu_seconds(pid: int) -> float:
    """utime+stime of the tree, plus what its reaped children used (cutime+cstime)."""
    total = 0
    for each in descendants(pid):
        try:
            stat = (PROC / str(each) / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: split after it.
        fields = stat[stat.rfind(")") + 2 :].split()
        # Fields 14-17 of stat (utime stime cutime cstime); fields[0] is field 3 (state).
        total += sum(int(v) for v in fields[11:15])
    return total / TICKS


def rss_bytes(pid: int) -> int:
    """Resident memory of the tree (sum of each process's VmRSS)."""
    total = 0
    for each in descendants(pid):
        try:
            statm = (PROC / str(each) / "statm").read_text().split()
        except OSError:
            continue
        total += int(statm[1]) * PAGE
    return total


@dataclass
class Watch:
    """Peak and idle memory, and CPU at the start and end of the schedule, of one process."""

    pid: int
    idle_rss: int = 0
    peak_rss: int = 0
    cpu_start: float = 0.0
    cpu_end: float = 0.0

    def sample(self) -> int:
        rss = rss_bytes(self.pid)
        self.peak_rss = max(self.peak_rss, rss)
        return rss

    @property
    def cpu_used(self) -> float:
        return self.cpu_end - self.cpu_start
