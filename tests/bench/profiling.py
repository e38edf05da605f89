"""`--profile`: where Balai's time goes per update, and how many SQL statements it runs.

Balai runs through tests/bench/profiled_balai.py, which counts SQL statements (an
SQLAlchemy `before_cursor_execute` listener) between SIGUSR1 and SIGUSR2. With py-spy
installed (`.venv/bin/pip install py-spy`), py-spy samples every thread of Balai during
the schedule (all threads); without it,
cProfile profiles Balai's main thread (the event loop) in-process, which slows it more.
"""

from __future__ import annotations

import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

TOP = 15
PY_SPY_RATE = 100
# Frames that hold everything and say nothing: the event loop, threads, the entry point.
PLUMBING = (
    "asyncio/",
    "threading.py",
    "concurrent/futures/thread.py",
    "selectors.py",
    "bot/cli.py",
    "profiled_balai.py",
    "<module>",
    "contextvars",
    "_contextvars",
    "greenlet",
    "sqlalchemy/util/_concurrency_py3k.py",
)


BALAI_CODE = ("bot/", "handlers/", "flows/", "storage/")


def py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def py_spy_command(pid: int, seconds: float, out: Path) -> list[str]:
    tool = py_spy()
    assert tool is not None
    return [
        tool,
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(max(1, round(seconds))),
        "--rate",
        str(PY_SPY_RATE),
        "--format",
        "raw",
        "--nonblocking",
        "--output",
        str(out),
    ]


def parse_py_spy(path: Path) -> dict[str, Any]:
    """Collapsed stacks into inclusive and own sample counts per function and package."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    samples = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        samples += count
        frames = [_frame(f) for f in stack.split(";") if f]
        for frame in set(frames):
            inclusive[frame] += count
        if frames:
            own[frames[-1]] += count
            packages[_package(frames[-1])] += count
    return {
        "samples": samples,
        "rate": PY_SPY_RATE,
        "inclusive": inclusive.most_common(),
        "own": own.most_common(TOP),
        "packages": packages.most_common(),
    }


def _frame(raw: str) -> str:
    """'handle (flows/engine/runner.py:45)' -> 'flows/engine/runner.py:handle' (no line)."""
    name, _, where = raw.partition(" (")
    filename = where.rstrip(")").rpartition(":")[0] or where.rstrip(")")
    return f"{_short(filename)}:{name}"


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/lib/python3.11/", "/lib/python3.12/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    root = str(Path(__file__).resolve().parent.parent.parent) + "/"
    return filename.removeprefix(root)


def _package(frame: str) -> str:
    path = frame.split(":", 1)[0]
    parts = path.split("/")
    if parts[0] in ("flows", "handlers", "storage") and len(parts) > 2:
        return "/".join(parts[:2])  # flows/engine, handlers/telegram ...
    if parts[0].endswith(".py"):
        return parts[0].removesuffix(".py")  # stdlib modules: json, gettext ...
    return parts[0]


def report_profile(profile: dict[str, Any], handled: int, out: TextIO) -> None:
    handled = handled or 1
    statements: dict[str, int] = profile.get("statements", {})
    spy = profile.get("py_spy")
    if spy is not None and spy["samples"]:
        ms = 1000 / spy["rate"] / handled  # one sample, in ms per update
        print(
            f"Profile of Balai during the schedule (py-spy, {spy['samples']} samples of "
            f"every active thread at {spy['rate']} Hz; ms per update over {handled} updates "
            f"answered; sampling adds a little CPU of its own):",
            file=out,
        )
        shown = [(f, n) for f, n in spy["inclusive"] if not any(p in f for p in PLUMBING)]
        own_code = [(f, n) for f, n in shown if f.startswith(BALAI_CODE)]
        print(f"  top {TOP} cumulative in Balai's own code (time on the stack):", file=out)
        for frame, count in own_code[:TOP]:
            print(f"   {count * ms:8.2f} ms  {frame}", file=out)
        print(f"  top {TOP} cumulative, libraries included:", file=out)
        for frame, count in shown[:TOP]:
            print(f"   {count * ms:8.2f} ms  {frame}", file=out)
        print(f"  top {TOP} own time (the function itself running):", file=out)
        for frame, count in spy["own"]:
            print(f"   {count * ms:8.2f} ms  {frame}", file=out)
        print("  own time by package:", file=out)
        print(
            "   " + ", ".join(f"{name} {count * ms:.2f}" for name, count in spy["packages"][:16]),
            file=out,
        )
    cprofile = profile.get("cprofile")
    if cprofile is not None:
        print(
            f"Profile of Balai during the schedule (cProfile, main thread only; ms per update "
            f"over {handled} updates answered; cProfile slows Balai down a lot, so the figures "
            f"above are not comparable in this run):",
            file=out,
        )
        print(f"  {'cumulative':>10}  {'own':>8}  {'calls':>7}  per update", file=out)
        for row in cprofile["top"]:
            print(
                f"  {row['cumtime'] * 1000 / handled:>10.2f}  "
                f"{row['tottime'] * 1000 / handled:>8.2f}  "
                f"{row['calls'] / handled:>7.1f}  {row['name']}",
                file=out,
            )
        print(f"  full profile: {cprofile['kept']} (python -m pstats)", file=out)
    total = sum(statements.values())
    print(
        f"  SQL statements: {total} during the schedule, {total / handled:.1f} per update "
        f"(the outbox's and the case watch's polling included); by kind:",
        file=out,
    )
    kinds: Counter[str] = Counter()
    for sql, count in statements.items():
        words = sql.split()
        kinds[words[0].upper() if words else "?"] += count
    print("   " + ", ".join(f"{k} {v / handled:.2f}" for k, v in kinds.most_common()), file=out)
    print("  most frequent statements (per update):", file=out)
    for sql, count in Counter(statements).most_common(12):
        print(f"   {count / handled:6.2f}  {sql[:120]}", file=out)
    print(f"  commits: {profile.get('commits', 0) / handled:.2f} per update", file=out)
