"""`make bench`: Balai against a bare PTB echo bot, the same residents at the same time.

See tests/bench/README.md for what is measured and how to read the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from tests.bench.api import ANSWER_METHODS, BotSide, FakeBotApi
from tests.bench.procs import Watch, cpu_seconds
from tests.bench.profiling import parse_py_spy, py_spy, py_spy_command, report_profile
from tests.bench.residents import KINDS, Pending, Resident, resident_name, schedule

ROOT = Path(__file__).resolve().parent.parent.parent
HERE = Path(__file__).resolve().parent
EXAMPLE_CONFIG = ROOT / "balai.example.toml"
BALAI, ECHO = "Balai", "echo"
FIRST_USER_ID = 70_000_001
SAMPLE_SECONDS = 0.2
MIB = 1024 * 1024
PLURAL = {
    "command": "commands",
    "text": "texts",
    "press": "presses",
    "contact": "contacts",
    "photo": "photos",
}


@dataclass
class Options:
    users: int = 200
    rate: float = 15.0
    duration: float = 60.0
    api_delay: float = 0.0  # milliseconds
    seed: int = 0
    rng_seed: int = 1
    answer_timeout: float = 15.0
    settle: float = 2.0
    check: bool = False
    profile: bool = False
    transcript: Path | None = None
    quiet: bool = False
    profile_dir: Path | None = None  # set by the run


@dataclass
class Figures:
    """What the report says about one bot."""

    name: str
    sent: int
    kinds: dict[str, int]
    answered_in_window: int
    cpu_ms_per_update: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    unanswered: int
    messages_per_update: float
    other_messages: int
    peak_rss_mib: float
    idle_rss_mib: float
    details: dict[str, int] = field(default_factory=dict)


@dataclass
class Target:
    text: str
    met: bool


@dataclass
class Result:
    options: Options
    bots: dict[str, Figures]
    targets: list[Target]
    unchecked: list[str]
    seed_seconds: float | None = None
    profile: dict[str, Any] | None = None
    # CPU the bench's own process (fake API and residents) used, in % of one core.
    bench_cpu_percent: float = 0.0

    @property
    def all_met(self) -> bool:
        return all(t.met for t in self.targets)


class BotRun:
    """One bot under test: its side of the API, its residents, its process."""

    def __init__(self, side: BotSide, users: int, rng_seed: int) -> None:
        self.side = side
        self.residents = {
            FIRST_USER_ID + i: Resident(
                i,
                FIRST_USER_ID + i,
                resident_name(i),
                random.Random(f"{rng_seed}:{side.name}:{i}"),  # noqa: S311 (not secrets)
            )
            for i in range(users)
        }
        self.updates: list[Pending] = []
        self.kinds: Counter[str] = Counter()
        self.by_step: list[Counter[str]] = []  # kinds sent as residents' 1st, 2nd ... update
        self.details: Counter[str] = Counter()
        self.resident_messages = 0
        self.other_messages = 0
        self.answered = {uid: asyncio.Event() for uid in self.residents}
        # Set while every update sent has been answered.
        self.drained = asyncio.Event()
        self.drained.set()
        self.open = 0
        self.process: asyncio.subprocess.Process | None = None
        self.watch: Watch | None = None
        self.log_path: Path | None = None
        side.on_message = self.on_message
        self.transcript: TextIO | None = None

    def on_message(
        self,
        _side: BotSide,
        method: str,
        chat_id: int,
        message: dict[str, Any],
        markup: Any,
        arrived: float,
    ) -> None:
        resident = self.residents.get(chat_id)
        if resident is None:
            self.other_messages += 1
            return
        self.resident_messages += 1
        text = str(message.get("text") or message.get("caption") or "")
        resident.saw(message["message_id"], text, markup, edited=method.startswith("edit"))
        if self.transcript is not None:
            shown = resident.messages[message["message_id"]]
            labels = " | ".join(label for label, _ in shown.buttons) or " | ".join(shown.words)
            flat = text.replace("\n", " / ")[:160]
            self.transcript.write(
                f"{arrived:.3f} {self.side.name} {chat_id} <- {method}: {flat}"
                f"{'  [' + labels + ']' if labels else ''}"
                f"{'  [share contact]' if shown.asks_contact else ''}\n"
            )
        if method in ANSWER_METHODS and resident.waiting:
            for pending in resident.waiting:
                pending.answered_at = arrived
            self.open -= len(resident.waiting)
            if self.open == 0:
                self.drained.set()
            resident.waiting.clear()
            self.answered[chat_id].set()

    async def resident(
        self,
        resident: Resident,
        times: list[float],
        start: float,
        end: float,
        answer_timeout: float,
        twin: BotRun | None,
    ) -> None:
        """Closed loop: send at the next Poisson time, but not before the last answer + 1 s."""
        ready = start
        answered = self.answered[resident.user_id]
        for offset in times:
            at = max(start + offset, ready)
            delay = at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if time.monotonic() >= end:
                return
            if twin is None:
                kind, detail, update = resident.balai_action()
            else:
                kind, detail, update = resident.echo_action(
                    twin.residents[resident.user_id].kinds, twin.by_step
                )
            pending = Pending(kind, detail)
            if len(self.by_step) <= len(resident.kinds):
                self.by_step.append(Counter())
            self.by_step[len(resident.kinds)][kind] += 1
            resident.kinds.append(kind)
            self.kinds[kind] += 1
            self.details[f"{kind}:{detail}"] += 1
            answered.clear()
            resident.waiting.append(pending)
            self.updates.append(pending)
            self.open += 1
            self.drained.clear()
            pending.pushed_at = time.monotonic()
            pending.update_id = self.side.push(update)
            if self.transcript is not None:
                self.transcript.write(
                    f"{pending.pushed_at:.3f} {self.side.name} {resident.user_id} -> {kind} "
                    f"{detail}: {_content(update)}\n"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(answered.wait(), answer_timeout)
            ready = (pending.answered_at or time.monotonic()) + 1.0

    def figures(self, end: float, answer_timeout: float) -> Figures:
        assert self.watch is not None
        sent = len(self.updates)
        latencies = sorted(
            (p.latency if p.latency is not None else math.inf) * 1000 for p in self.updates
        )
        in_window = sum(
            1 for p in self.updates if p.answered_at is not None and p.answered_at <= end
        )
        unanswered = sum(1 for p in self.updates if p.latency is None or p.latency > answer_timeout)
        return Figures(
            name=self.side.name,
            sent=sent,
            kinds={kind: self.kinds.get(kind, 0) for kind in KINDS},
            answered_in_window=in_window,
            cpu_ms_per_update=self.watch.cpu_used * 1000 / in_window if in_window else math.inf,
            p50_ms=_percentile(latencies, 50),
            p95_ms=_percentile(latencies, 95),
            p99_ms=_percentile(latencies, 99),
            unanswered=unanswered,
            messages_per_update=self.resident_messages / sent if sent else 0.0,
            other_messages=self.other_messages,
            peak_rss_mib=self.watch.peak_rss / MIB,
            idle_rss_mib=self.watch.idle_rss / MIB,
            details=dict(self.details),
        )


def _percentile(ordered: list[float], pct: float) -> float:
    """Nearest-rank percentile of sorted values (inf stands for never answered)."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def _content(update: dict[str, Any]) -> str:
    if "callback_query" in update:
        return f"data={update['callback_query']['data']}"
    message = update["message"]
    if "contact" in message:
        return f"contact {message['contact']['phone_number']}"
    if "photo" in message:
        return f"photo {message['photo'][-1]['file_id']}"
    return str(message.get("text", ""))


# --- processes -----------------------------------------------------------------------------
def balai_command(profile_dir: Path | None) -> list[str]:
    if profile_dir is not None:
        launcher = [sys.executable, str(HERE / "profiled_balai.py"), str(profile_dir)]
        return launcher if py_spy() else [*launcher, "cprofile"]
    script = Path(sys.executable).parent / "balai"
    return [str(script), "run"] if script.exists() else [sys.executable, "-m", "bot", "run"]


async def start_process(
    run: BotRun, command: list[str], env: dict[str, str], log_path: Path
) -> None:
    run.log_path = log_path
    with log_path.open("wb") as log:
        run.process = await asyncio.create_subprocess_exec(
            *command,
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    run.watch = Watch(run.process.pid)


async def wait_polling(runs: Sequence[BotRun], within: float = 120.0) -> None:
    deadline = time.monotonic() + within
    while not all(run.side.polling.is_set() for run in runs):
        for run in runs:
            assert run.process is not None
            if run.process.returncode is not None:
                raise BenchError(f"{run.side.name} exited at startup:\n{_tail(run.log_path)}")
        if time.monotonic() > deadline:
            raise BenchError(f"the bots did not start polling within {within:.0f} s")
        await asyncio.sleep(0.05)


async def stop_process(run: BotRun, within: float = 20.0) -> None:
    process = run.process
    if process is None or process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), within)
    except TimeoutError:
        process.kill()
        await process.wait()


def _tail(path: Path | None, lines: int = 30) -> str:
    if path is None or not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


class BenchError(RuntimeError):
    pass


# --- the run -------------------------------------------------------------------------------
async def run_bench(options: Options, out: TextIO = sys.stdout) -> Result:
    def say(text: str) -> None:
        if not options.quiet:
            print(text, file=out, flush=True)

    balai_side = BotSide(BALAI, "111111:BALAI-BENCH", 111111, "balai_bench_bot")
    echo_side = BotSide(ECHO, "222222:ECHO-BENCH", 222222, "echo_bench_bot")
    balai, echo = (
        BotRun(balai_side, options.users, options.rng_seed),
        BotRun(echo_side, options.users, options.rng_seed),
    )
    runs = (balai, echo)
    api = FakeBotApi([balai_side, echo_side], api_delay=options.api_delay / 1000)
    seed_seconds = None
    profile = None
    transcript = options.transcript.open("w") if options.transcript else None
    balai.transcript = echo.transcript = transcript
    with tempfile.TemporaryDirectory(prefix="balai-bench-") as tmp:
        tmpdir = Path(tmp)
        database_url = f"sqlite+aiosqlite:///{tmpdir / 'bench.db'}"
        if options.seed:
            from tests.bench.seed import seed

            say(f"Seeding {options.seed} residents and {options.seed} cases ...")
            seed_seconds = await seed(database_url, EXAMPLE_CONFIG, options.seed)
            say(f"Seeded in {seed_seconds:.1f} s.")
        # Migrated beforehand, as every start after a deployment's first finds it: the first
        # start after an upgrade also carries Alembic (about 10 MiB) until the next restart.
        from storage.migrate import upgrade_to_head

        await upgrade_to_head(database_url)
        profile_dir = tmpdir / "profile" if options.profile else None
        if profile_dir is not None:
            profile_dir.mkdir()
        options.profile_dir = profile_dir
        await api.start()
        try:
            base_env = {k: v for k, v in os.environ.items() if not k.startswith("BALAI_")}
            await start_process(
                balai,
                balai_command(profile_dir),
                {
                    **base_env,
                    "BALAI_TELEGRAM_TOKEN": balai_side.token,
                    "BALAI_TELEGRAM_API_URL": api.url,
                    "BALAI_DATABASE_URL": database_url,
                    "BALAI_CONFIG": str(EXAMPLE_CONFIG),
                    "BALAI_LOG_LEVEL": "WARNING",
                },
                tmpdir / "balai.log",
            )
            await start_process(
                echo,
                [sys.executable, str(HERE / "echo_bot.py")],
                {**base_env, "BENCH_ECHO_TOKEN": echo_side.token, "BENCH_API_URL": api.url},
                tmpdir / "echo.log",
            )
            try:
                say("Waiting for both bots to poll ...")
                await wait_polling(runs)
                await asyncio.sleep(options.settle)
                result = await _measure(options, api, runs, say)
                if profile_dir is not None:
                    profile = await _read_profile(profile_dir)
            finally:
                for run in runs:
                    await stop_process(run)
        finally:
            await api.stop()
            if transcript is not None:
                transcript.close()
    result.seed_seconds = seed_seconds
    result.profile = profile
    return result


async def _measure(options: Options, api: FakeBotApi, runs: Sequence[BotRun], say: Any) -> Result:
    balai = runs[0]
    watches = [run.watch for run in runs]
    for watch in watches:
        assert watch is not None
        watch.idle_rss = watch.sample()
        watch.peak_rss = watch.idle_rss
    times = schedule(options.users, options.rate, options.duration, options.rng_seed)
    say(
        f"Schedule: {sum(len(t) for t in times)} Poisson times over {options.duration:.0f} s "
        f"per bot (closed loop: fewer are sent when a bot is slow) ..."
    )
    spy = None
    if balai.process is not None and options.profile:
        balai.process.send_signal(signal.SIGUSR1)
        if py_spy() and options.profile_dir is not None:
            spy = await asyncio.create_subprocess_exec(
                *py_spy_command(
                    balai.process.pid, options.duration, options.profile_dir / "py-spy.txt"
                ),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
    for watch in watches:
        assert watch is not None
        watch.cpu_start = cpu_seconds(watch.pid)
    start = time.monotonic()
    own_cpu = time.process_time()
    end = start + options.duration
    tasks = []
    for run in runs:
        twin = None if run is balai else balai
        for (_uid, resident), mine in zip(run.residents.items(), times, strict=True):
            tasks.append(
                asyncio.create_task(
                    run.resident(resident, mine, start, end, options.answer_timeout, twin)
                )
            )
    while time.monotonic() < end:
        for watch in watches:
            assert watch is not None
            watch.sample()
        await asyncio.sleep(min(SAMPLE_SECONDS, max(0.0, end - time.monotonic())))
    for watch in watches:
        assert watch is not None
        watch.cpu_end = cpu_seconds(watch.pid)
    own_cpu = time.process_time() - own_cpu
    if options.profile and balai.process is not None:
        balai.process.send_signal(signal.SIGUSR2)
    # Drain: the last updates get their answer_timeout to be answered.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(
            asyncio.gather(*(run.drained.wait() for run in runs)), options.answer_timeout
        )
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    if spy is not None:
        try:
            await asyncio.wait_for(spy.wait(), 30)
        except TimeoutError:
            spy.kill()
            await spy.wait()
    bots = {run.side.name: run.figures(end, options.answer_timeout) for run in runs}
    targets, unchecked = _targets(options, bots[BALAI], bots[ECHO])
    return Result(
        options, bots, targets, unchecked, bench_cpu_percent=100 * own_cpu / options.duration
    )


def _targets(options: Options, balai: Figures, echo: Figures) -> tuple[list[Target], list[str]]:
    """The issue's targets that apply to the options given, and those that do not."""
    targets, unchecked = [], []
    heavy = options.api_delay == 50 and options.rate == 15 and options.users == 200
    if heavy:
        targets.append(
            Target(
                f"api-delay 50 ms: Balai p95 <= 0.5 x echo p95 "
                f"({_ms(balai.p95_ms)} vs {_ms(0.5 * echo.p95_ms)} ms)",
                balai.p95_ms <= 0.5 * echo.p95_ms,
            )
        )
        targets.append(
            Target(
                f"api-delay 50 ms: Balai unanswered = 0 ({balai.unanswered})", balai.unanswered == 0
            )
        )
    else:
        unchecked.append(
            "Balai p95 <= 0.5 x echo and 0 unanswered (only with --api-delay 50 --rate 15 "
            "--users 200)"
        )
    if options.api_delay == 0:
        targets.append(
            Target(
                f"no delay: Balai CPU/update <= 1.5 x echo ({balai.cpu_ms_per_update:.2f} vs "
                f"{1.5 * echo.cpu_ms_per_update:.2f} ms)",
                balai.cpu_ms_per_update <= 1.5 * echo.cpu_ms_per_update,
            )
        )
        targets.append(
            Target(
                f"no delay: Balai p95 <= 1.5 x echo p95 ({_ms(balai.p95_ms)} vs "
                f"{_ms(1.5 * echo.p95_ms)} ms)",
                balai.p95_ms <= 1.5 * echo.p95_ms,
            )
        )
    else:
        unchecked.append("CPU/update and p95 <= 1.5 x echo (only without --api-delay)")
    targets.append(
        Target(
            f"peak RSS <= 1.6 x echo ({balai.peak_rss_mib:.1f} vs "
            f"{1.6 * echo.peak_rss_mib:.1f} MiB)",
            balai.peak_rss_mib <= 1.6 * echo.peak_rss_mib,
        )
    )
    return targets, unchecked


async def _read_profile(profile_dir: Path, within: float = 30.0) -> dict[str, Any] | None:
    done = profile_dir / "done.json"
    deadline = time.monotonic() + within
    while not done.exists():
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(0.1)
    data: dict[str, Any] = json.loads(done.read_text())
    spy = profile_dir / "py-spy.txt"
    if spy.exists():
        data["py_spy"] = parse_py_spy(spy)
        kept = ROOT / "data" / "bench-balai-py-spy.txt"
        kept.parent.mkdir(exist_ok=True)
        shutil.copyfile(spy, kept)
        data["py_spy"]["kept"] = str(kept)
    return data


# --- the report ----------------------------------------------------------------------------
def _ms(value: float) -> str:
    if math.isinf(value):
        return "inf"
    if math.isnan(value):
        return "n/a"
    return f"{value:.0f}"


def _ratio(a: float, b: float) -> str:
    if not b or math.isinf(a) or math.isinf(b) or math.isnan(a) or math.isnan(b):
        return "n/a"
    return f"{a / b:.2f}"


def report(result: Result, out: TextIO = sys.stdout) -> None:
    o = result.options
    balai, echo = result.bots[BALAI], result.bots[ECHO]

    def line(label: str, b: str, e: str, ratio: str = "") -> None:
        print(f"  {label:<28}{b:>12}{e:>12}{ratio:>14}", file=out)

    print("", file=out)
    print(
        f"Balai bench: {o.users} residents per bot, {o.rate:g} updates/s, {o.duration:g} s, "
        f"api delay {o.api_delay:g} ms, seeded rows {o.seed}, rng seed {o.rng_seed}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the end",
        file=out,
    )
    if result.seed_seconds is not None:
        print(
            f"  seeding {o.seed} residents + {o.seed} cases took {result.seed_seconds:.1f} s",
            file=out,
        )
    print(
        f"  the bench itself (fake Bot API and residents) used {result.bench_cpu_percent:.0f} % "
        "of one core during the schedule",
        file=out,
    )
    line("", "Balai", "echo", "Balai/echo")
    line("updates sent", str(balai.sent), str(echo.sent))
    for kind in KINDS:
        line(f"  {PLURAL[kind]}", str(balai.kinds[kind]), str(echo.kinds[kind]))
    line("answered in the schedule", str(balai.answered_in_window), str(echo.answered_in_window))
    line(
        "CPU ms per update",
        f"{balai.cpu_ms_per_update:.2f}",
        f"{echo.cpu_ms_per_update:.2f}",
        _ratio(balai.cpu_ms_per_update, echo.cpu_ms_per_update),
    )
    line("latency p50 ms", _ms(balai.p50_ms), _ms(echo.p50_ms), _ratio(balai.p50_ms, echo.p50_ms))
    line("latency p95 ms", _ms(balai.p95_ms), _ms(echo.p95_ms), _ratio(balai.p95_ms, echo.p95_ms))
    line("latency p99 ms", _ms(balai.p99_ms), _ms(echo.p99_ms), _ratio(balai.p99_ms, echo.p99_ms))
    line(f"unanswered (>{o.answer_timeout:g} s)", str(balai.unanswered), str(echo.unanswered))
    line(
        "messages per update",
        f"{balai.messages_per_update:.2f}",
        f"{echo.messages_per_update:.2f}",
    )
    line("messages to other chats", str(balai.other_messages), str(echo.other_messages))
    line(
        "peak RSS MiB",
        f"{balai.peak_rss_mib:.1f}",
        f"{echo.peak_rss_mib:.1f}",
        _ratio(balai.peak_rss_mib, echo.peak_rss_mib),
    )
    line(
        "idle RSS MiB",
        f"{balai.idle_rss_mib:.1f}",
        f"{echo.idle_rss_mib:.1f}",
        _ratio(balai.idle_rss_mib, echo.idle_rss_mib),
    )
    top = sorted(balai.details.items(), key=lambda kv: -kv[1])[:12]
    print("  Balai's residents sent most: " + ", ".join(f"{k} {v}" for k, v in top), file=out)
    print("Targets (issue 10):", file=out)
    for target in result.targets:
        print(f"  [{'met' if target.met else 'NOT met'}] {target.text}", file=out)
    for text in result.unchecked:
        print(f"  [not checked] {text}", file=out)
    if result.profile is not None:
        report_profile(result.profile, balai.answered_in_window, out)
    elif o.profile:
        print("Profile: Balai wrote none (see its log).", file=out)


def parse(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="make bench ARGS=...",
        description="Balai against a bare PTB echo bot, same residents, same schedule.",
    )
    parser.add_argument("--users", type=int, default=200, help="residents per bot (200)")
    parser.add_argument("--rate", type=float, default=15.0, help="updates per second (15)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of schedule (60)")
    parser.add_argument(
        "--api-delay", type=float, default=0.0, help="ms added to every Bot API call (0)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="fill Balai's database with N residents and N cases"
    )
    parser.add_argument("--rng-seed", type=int, default=1, help="random seed of the schedule")
    parser.add_argument(
        "--answer-timeout", type=float, default=15.0, help="seconds before unanswered (15)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile Balai and count its SQL statements"
    )
    parser.add_argument("--transcript", type=Path, help="write every update and reply here")
    args = parser.parse_args(argv)
    if args.users < 1 or args.rate <= 0 or args.duration <= 0 or args.api_delay < 0:
        parser.error("--users, --rate and --duration must be positive, --api-delay not negative")
    return Options(
        users=args.users,
        rate=args.rate,
        duration=args.duration,
        api_delay=args.api_delay,
        seed=args.seed,
        rng_seed=args.rng_seed,
        answer_timeout=args.answer_timeout,
        check=args.check,
        profile=args.profile,
        transcript=args.transcript,
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(argv)
    try:
        result = asyncio.run(run_bench(options))
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    report(result)
    if options.profile and not py_spy():
        print(
            "For a sampling profile of every thread with less overhead: "
            ".venv/bin/pip install py-spy, then make bench ARGS=--profile again."
        )
    return 1 if options.check and not result.all_met else 0
