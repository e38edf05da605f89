"""`balai run` under cProfile, counting SQL statements: the bench's `--profile`.

`python tests/bench/profiled_balai.py OUTDIR [cprofile]`, with the same environment as
`balai run`. SIGUSR1 starts counting (and profiling), SIGUSR2 stops and writes
OUTDIR/done.json: the statements and their counts, and with `cprofile` the top functions by
cumulative time (the whole profile goes to data/bench-balai.prof). cProfile sees the main
thread only: the event loop, where Balai's Python code and its SQLite statements run
(storage/sqlite_inline.py). The bench uses cProfile only when py-spy, which sees every
thread (PTB's and httpx's), is not installed.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import re
import shutil
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

OUT = Path(sys.argv[1])
CPROFILE = sys.argv[2:] == ["cprofile"]
ROOT = Path(__file__).resolve().parent.parent.parent
KEEP = ROOT / "data" / "bench-balai.prof"
TOP = 15
_profiler = cProfile.Profile()
_statements: Counter[str] = Counter()
_commits = [0]
_active = [False]
_SPACES = re.compile(r"\s+")
_IN_LIST = re.compile(r"\(__\[POSTCOMPILE_[^\]]*\]\)|\((\?, )+\?\)")


@event.listens_for(Engine, "before_cursor_execute")
def _count(
    _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    if _active[0]:
        _statements[_IN_LIST.sub("(...)", _SPACES.sub(" ", statement.strip()))] += 1


@event.listens_for(Engine, "commit")
def _commit(_conn: Any) -> None:
    if _active[0]:
        _commits[0] += 1


def _start(_signum: int, _frame: Any) -> None:
    _active[0] = True
    if CPROFILE:
        _profiler.enable()


def _stop(_signum: int, _frame: Any) -> None:
    if not _active[0]:
        return
    _active[0] = False
    done: dict[str, Any] = {
        "statements": dict(_statements),
        "commits": _commits[0],
    }
    if CPROFILE:
        _profiler.disable()
        done["cprofile"] = _profile()
    (OUT / "done.json").write_text(json.dumps(done))


def _profile() -> dict[str, Any]:
    _profiler.dump_stats(OUT / "balai.prof")
    KEEP.parent.mkdir(exist_ok=True)
    shutil.copyfile(OUT / "balai.prof", KEEP)
    stats = pstats.Stats(str(OUT / "balai.prof"))
    rows = []
    entries: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in entries.items():
        rows.append(
            {
                "name": f"{_short(filename)}:{line}({name})",
                "calls": calls,
                "tottime": tottime,
                "cumtime": cumtime,
            }
        )
    by_cumulative = sorted(rows, key=lambda r: -r["cumtime"])
    # The event loop's own frames hold everything; show what is under them.
    interesting = [r for r in by_cumulative if not _is_loop(r["name"])][:TOP]
    by_own = sorted(rows, key=lambda r: -r["tottime"])[:TOP]
    return {"top": interesting, "own": by_own, "kept": str(KEEP)}


def _short(filename: str) -> str:
    for marker in ("site-packages/", f"{ROOT}/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def _is_loop(name: str) -> bool:
    return any(
        part in name
        for part in (
            "asyncio/",
            "base_events",
            "runners.py",
            "{method 'run'",
            "bot/cli.py",
            "<built-in method builtins.exec>",
            "profiled_balai.py",
            "events.py",
            "selectors.py",
            "_contextvars.Context",
            "select.epoll",
        )
    )


signal.signal(signal.SIGUSR1, _start)
signal.signal(signal.SIGUSR2, _stop)

from bot.cli import main  # noqa: E402 (after the listeners, which must see every engine)

sys.exit(main(["run"]))
