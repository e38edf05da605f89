"""`make bench-workers`: one and two webhook workers on PostgreSQL, the rate rising in steps.

For each number of workers: a fresh database, that many `balai run --webhook` processes
behind the Splitter, the bench's fake Bot API with every call delayed, and the bench's
residents posting their updates to the Splitter at an offered rate that rises step by
step until the reply latency's p95 over a step passes the limit (1 s). The rate a setup
sustains is the handled rate of its highest step within the limit. See
tests/bench/README.md, "Several workers on PostgreSQL".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import signal
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import aiohttp
import asyncpg

from handlers.telegram.webhook import PATH
from storage.migrate import upgrade_to_head
from tests.bench.api import BotSide, FakeBotApi
from tests.bench.procs import TICKS, cpu_seconds
from tests.bench.residents import KINDS
from tests.bench.run import EXAMPLE_CONFIG, ROOT, BotRun, _percentile
from tests.workers import SECRET, Splitter

HERE = Path(__file__).resolve().parent
TELEGRAM_LIMIT = 30.0
# Offered updates/s, step by step: about 10 % apart from 100/s on, so that the rate found
# is within about 10 % of what a setup sustains.
RATES: tuple[float, ...] = (10, 20, 30, 45, 60, 80, 100, 110, 120, 135, 150, 165, 180)
RATES += (200, 220, 240, 265, 290, 320, 350, 400)
TOKEN = "333333:BALAI-WORKERS"


@dataclass
class Options:
    workers: tuple[int, ...] = (1, 2)
    rates: tuple[float, ...] = RATES  # offered updates/s, one step each
    step: float = 15.0  # seconds per step
    users: int = 500
    api_delay: float = 50.0  # milliseconds added to every Bot API call
    p95_limit: float = 1.0  # seconds
    # Telegram's 30 messages/s for the whole bot, scaled (tests/bench/paced_balai.py).
    limit: float = 600.0
    target: float = 1.7  # two workers' rate over one worker's
    answer_timeout: float = 15.0
    duplicates: bool = False  # the Splitter's every tenth update to two workers
    concurrency: int | None = None  # BALAI_CONCURRENT_UPDATES (None: Balai's default)
    rng_seed: int = 1
    settle: float = 2.0
    database_url: str | None = None
    check: bool = False
    quiet: bool = False


@dataclass
class Step:
    """One step of the rising rate, as measured."""

    offered: float
    seconds: float
    sent: int
    handled: int  # of the updates sent in the step, those answered within answer_timeout
    p50_ms: float
    p95_ms: float
    messages: int  # messages the fake API got from the bot during the step
    workers_cpu: float  # % of one core, all workers together
    postgres_cpu: float | None  # % of one core (only for a cluster the bench started)
    bench_cpu: float  # % of one core: fake API, residents, Splitter
    # % of one core the rest of the machine used (other jobs; PostgreSQL when not ours).
    other_cpu: float = 0.0
    kinds: dict[str, int] = field(default_factory=dict)  # of the updates sent

    @property
    def handled_rate(self) -> float:
        return self.handled / self.seconds

    @property
    def sent_rate(self) -> float:
        return self.sent / self.seconds

    @property
    def messages_rate(self) -> float:
        return self.messages / self.seconds


@dataclass
class WorkersRun:
    workers: int
    steps: list[Step]
    passed: list[bool]
    failed_posts: int = 0
    logged: int = 0  # lines the workers logged (WARNING and above)

    @property
    def sustained(self) -> float:
        """The handled rate of the highest step whose p95 stayed within the limit."""
        kept = [s for s, ok in zip(self.steps, self.passed, strict=True) if ok]
        return kept[-1].handled_rate if kept else 0.0

    @property
    def stopped_at(self) -> float | None:
        """The offered rate whose p95 passed the limit (None: every step stayed within)."""
        over = [s.offered for s, ok in zip(self.steps, self.passed, strict=True) if not ok]
        return over[0] if over else None


@dataclass
class Result:
    options: Options
    runs: list[WorkersRun]
    cores: int = field(default_factory=lambda: os.cpu_count() or 0)
    load: tuple[float, ...] = field(default_factory=os.getloadavg)

    def rate(self, workers: int) -> float:
        return next((r.sustained for r in self.runs if r.workers == workers), math.nan)

    @property
    def ratio(self) -> float:
        one = self.rate(1)
        return self.rate(2) / one if one else math.nan

    @property
    def met(self) -> bool:
        return self.ratio >= self.options.target


class WebhookSide(BotSide):
    """The bot's side of the fake API, its updates posted to the Splitter instead of
    queued for getUpdates."""

    def __init__(self, name: str) -> None:
        super().__init__(name, TOKEN, 333333, "balai_workers_bot")
        self.splitter: Splitter | None = None
        self.http: aiohttp.ClientSession | None = None
        self.failed = 0
        self.arrivals: list[float] = []  # when each message the bot sent reached the fake
        self._posts: set[asyncio.Task[None]] = set()

    def push(self, update: dict[str, Any]) -> int:
        """Post the update now (without waiting for the worker's 200); its update_id."""
        update_id: int = next(self._update_ids)
        update["update_id"] = update_id
        self.pushed += 1
        task = asyncio.get_running_loop().create_task(self._post(update))
        self._posts.add(task)
        task.add_done_callback(self._posts.discard)
        return update_id

    async def _post(self, update: dict[str, Any]) -> None:
        assert self.splitter is not None and self.http is not None
        try:
            await self.splitter.post(self.http, update)
        except (AssertionError, aiohttp.ClientError, OSError):
            self.failed += 1

    async def posted(self) -> None:
        """Every post made so far has its answer."""
        if self._posts:
            await asyncio.gather(*list(self._posts), return_exceptions=True)


def rising_schedule(
    users: int, rates: Sequence[float], step: float, rng_seed: int
) -> list[list[float]]:
    """Each resident's Poisson times (seconds from the start): in step k, `rates[k]`
    per second together."""
    rng = random.Random(rng_seed)  # noqa: S311 (a schedule, not secrets)
    times: list[list[float]] = [[] for _ in range(users)]
    for k, rate in enumerate(rates):
        begin, end, per_user = k * step, (k + 1) * step, rate / users
        for mine in times:
            t = begin + rng.expovariate(per_user)
            while t < end:
                mine.append(t)
                t += rng.expovariate(per_user)
    return times


# --- databases and processes ---------------------------------------------------------------
def _dsn(url: str, database: str | None = None) -> str:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    return dsn if database is None else dsn.rsplit("/", 1)[0] + "/" + database


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(_dsn(url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def fresh_database(url: str, name: str) -> str:
    """A new database at the newest schema, migrated before the workers start."""
    await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await _admin(url, f'CREATE DATABASE "{name}"')
    fresh = url.rsplit("/", 1)[0] + "/" + name
    await upgrade_to_head(fresh)
    return fresh


def machine_busy() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat: all but idle and iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / TICKS


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def worker_command(limit: float) -> list[str]:
    if limit == TELEGRAM_LIMIT:
        return [sys.executable, "-m", "bot", "run", "--webhook"]
    return [sys.executable, str(HERE / "paced_balai.py"), f"{limit:g}", "--webhook"]


async def start_workers(
    api: FakeBotApi,
    db_url: str,
    ports: list[int],
    folder: Path,
    limit: float,
    concurrency: int | None = None,
) -> list[asyncio.subprocess.Process]:
    """One webhook worker per port, returned once every /healthz answers 200."""
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("BALAI_")}
    if concurrency is not None:
        base_env["BALAI_CONCURRENT_UPDATES"] = str(concurrency)
    processes = []
    for n, port in enumerate(ports):
        with (folder / f"worker-{n}.log").open("wb") as log:
            processes.append(
                await asyncio.create_subprocess_exec(
                    *worker_command(limit),
                    cwd=ROOT,
                    env={
                        **base_env,
                        "BALAI_TELEGRAM_TOKEN": TOKEN,
                        "BALAI_TELEGRAM_API_URL": api.url,
                        "BALAI_DATABASE_URL": db_url,
                        "BALAI_CONFIG": str(EXAMPLE_CONFIG),
                        "BALAI_MEDIA_DIR": str(folder / "media"),
                        "BALAI_WEBHOOK_URL": f"https://desa.example{PATH}",
                        "BALAI_WEBHOOK_SECRET": SECRET,
                        "BALAI_WEBHOOK_PORT": str(port),
                        "BALAI_LOG_LEVEL": "WARNING",
                    },
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=log,
                    stderr=asyncio.subprocess.STDOUT,
                )
            )
    deadline = time.monotonic() + 120
    async with aiohttp.ClientSession() as http:
        for n, (process, port) in enumerate(zip(processes, ports, strict=True)):
            while True:
                if process.returncode is not None or time.monotonic() > deadline:
                    await stop_workers(processes)
                    tail = (folder / f"worker-{n}.log").read_text(errors="replace")[-3000:]
                    raise BenchError(f"worker {n} did not come up:\n{tail}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as answer:
                        if answer.status == 200:
                            break
                await asyncio.sleep(0.1)
    return processes


async def stop_workers(processes: list[asyncio.subprocess.Process]) -> None:
    for process in processes:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()


class BenchError(RuntimeError):
    pass


# --- the run -------------------------------------------------------------------------------
async def run_workers_bench(
    options: Options, database_url: str, postgres_pid: int | None = None, out: TextIO = sys.stdout
) -> Result:
    def say(text: str) -> None:
        if not options.quiet:
            print(text, file=out, flush=True)

    result = Result(options, [])
    for workers in options.workers:
        name = f"balai_bench_workers_{os.getpid()}_{workers}"
        db_url = await fresh_database(database_url, name)
        try:
            say(f"{_workers(workers)} on a fresh database ...")
            run = await _one_setup(options, workers, db_url, postgres_pid, say)
        finally:
            await _admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        result.runs.append(run)
        say(f"  {_workers(workers)} sustain {run.sustained:.1f} updates/s")
    return result


async def _one_setup(
    options: Options, workers: int, db_url: str, postgres_pid: int | None, say: Any
) -> WorkersRun:
    side = WebhookSide(_workers(workers))
    run = BotRun(side, options.users, options.rng_seed)
    answered = side.on_message
    assert answered is not None

    def on_message(*args: Any) -> None:
        side.arrivals.append(args[-1])
        answered(*args)

    side.on_message = on_message
    api = FakeBotApi([side], api_delay=options.api_delay / 1000)
    await api.start()
    try:
        with tempfile.TemporaryDirectory(prefix="balai-bench-workers-") as tmp:
            ports = [free_port() for _ in range(workers)]
            processes = await start_workers(
                api, db_url, ports, Path(tmp), options.limit, options.concurrency
            )
            try:
                side.splitter = Splitter(ports, twice_every=10 if options.duplicates else 0)
                # No cap on connections: a worker's queue is the bench's back pressure.
                connector = aiohttp.TCPConnector(limit=0)
                async with aiohttp.ClientSession(connector=connector) as http:
                    side.http = http
                    await asyncio.sleep(options.settle)
                    measured = await _steps(options, run, side, processes, postgres_pid, say)
                    await side.posted()
            finally:
                await stop_workers(processes)
            logged = _keep_logs(Path(tmp), workers)
    finally:
        await api.stop()
    measured.failed_posts = side.failed
    measured.logged = logged
    return measured


def _keep_logs(folder: Path, workers: int) -> int:
    """Copy the workers' logs that are not empty (warnings and errors only) to data/; how
    many lines they hold."""
    lines = 0
    kept = ROOT / "data"
    for n in range(workers):
        log = folder / f"worker-{n}.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        if text:
            lines += len(text.splitlines())
            kept.mkdir(exist_ok=True)
            (kept / f"bench-workers-{workers}-worker-{n}.log").write_text(text)
    return lines


async def _steps(
    options: Options,
    run: BotRun,
    side: WebhookSide,
    processes: list[asyncio.subprocess.Process],
    postgres_pid: int | None,
    say: Any,
) -> WorkersRun:
    """The residents at the rising rate, until a step's p95 passes the limit."""
    times = rising_schedule(options.users, options.rates, options.step, options.rng_seed)

    def cpu() -> tuple[float, float | None, float, float]:
        workers = sum(cpu_seconds(p.pid) for p in processes)
        postgres = cpu_seconds(postgres_pid) if postgres_pid else None
        return workers, postgres, time.process_time(), machine_busy()

    start = time.monotonic()
    end = start + options.step * len(options.rates)
    tasks = [
        asyncio.create_task(run.resident(r, mine, start, end, options.answer_timeout, None))
        for r, mine in zip(run.residents.values(), times, strict=True)
    ]
    marks = [cpu()]
    steps = 0
    try:
        for k, rate in enumerate(options.rates):
            step_end = start + (k + 1) * options.step
            await asyncio.sleep(max(0.0, step_end - time.monotonic()))
            marks.append(cpu())
            steps = k + 1
            # By then every update of the step either was answered within the limit or
            # is over it: whether the step's p95 is within the limit is known.
            await asyncio.sleep(max(0.0, step_end + options.p95_limit - time.monotonic()))
            within = sum(
                1
                for p in _sent_in(run, start, k, options.step)
                if p.latency is not None and p.latency <= options.p95_limit
            )
            sent = len(_sent_in(run, start, k, options.step))
            say(f"  step {k + 1}: {rate:g}/s offered, {sent} sent, {within} within the limit")
            if within < math.ceil(0.95 * sent):
                break
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    # The last updates get their answer_timeout to be answered (or count as never).
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(run.drained.wait(), options.answer_timeout)
    measured = WorkersRun(len(processes), [], [])
    for k in range(steps):
        updates = _sent_in(run, start, k, options.step)
        latencies = sorted(
            (p.latency if p.latency is not None else math.inf) * 1000 for p in updates
        )
        handled = sum(
            1 for p in updates if p.latency is not None and p.latency <= options.answer_timeout
        )
        begin, finish = start + k * options.step, start + (k + 1) * options.step
        (w0, pg0, b0, m0), (w1, pg1, b1, m1) = marks[k], marks[k + 1]
        ours = (w1 - w0) + (b1 - b0) + (0.0 if pg0 is None or pg1 is None else pg1 - pg0)
        step = Step(
            offered=options.rates[k],
            seconds=options.step,
            sent=len(updates),
            handled=handled,
            p50_ms=_percentile(latencies, 50),
            p95_ms=_percentile(latencies, 95),
            messages=sum(1 for t in side.arrivals if begin <= t < finish),
            workers_cpu=100 * (w1 - w0) / options.step,
            postgres_cpu=None if pg0 is None or pg1 is None else 100 * (pg1 - pg0) / options.step,
            bench_cpu=100 * (b1 - b0) / options.step,
            other_cpu=max(0.0, 100 * (m1 - m0 - ours) / options.step),
            kinds=dict(Counter(p.kind for p in updates)),
        )
        measured.steps.append(step)
        measured.passed.append(step.p95_ms <= options.p95_limit * 1000)
        say("    " + _row(step))
    return measured


def _sent_in(run: BotRun, start: float, k: int, step: float) -> list[Any]:
    begin, end = start + k * step, start + (k + 1) * step
    return [p for p in run.updates if begin <= p.pushed_at < end]


# --- the report ----------------------------------------------------------------------------
def _workers(n: int) -> str:
    return f"{n} worker{'s' if n != 1 else ''}"


def _ms(value: float) -> str:
    return "inf" if math.isinf(value) else "n/a" if math.isnan(value) else f"{value:.0f}"


HEADER = (
    f"{'offered/s':>10}{'sent/s':>9}{'handled/s':>11}{'p50 ms':>9}{'p95 ms':>9}"
    f"{'msgs/s':>9}{'workers CPU%':>14}{'PG CPU%':>9}{'bench CPU%':>12}{'other CPU%':>12}"
    "  sent: command/text/press/contact/photo %"
)


def _row(step: Step) -> str:
    pg = "-" if step.postgres_cpu is None else f"{step.postgres_cpu:.0f}"
    return (
        f"{step.offered:>10g}{step.sent_rate:>9.1f}{step.handled_rate:>11.1f}"
        f"{_ms(step.p50_ms):>9}{_ms(step.p95_ms):>9}{step.messages_rate:>9.1f}"
        f"{step.workers_cpu:>14.0f}{pg:>9}{step.bench_cpu:>12.0f}{step.other_cpu:>12.0f}"
        f"  {_mix(step)}"
    )


def _mix(step: Step) -> str:
    total = sum(step.kinds.values()) or 1
    return "/".join(f"{100 * step.kinds.get(kind, 0) / total:.0f}" for kind in KINDS)


def report(result: Result, out: TextIO = sys.stdout) -> None:
    o = result.options

    def say(text: str = "") -> None:
        print(text, file=out)

    say()
    say(
        f"Several workers on PostgreSQL: {o.users} residents, {o.api_delay:g} ms per Bot API "
        f"call, steps of {o.step:g} s, p95 limit {o.p95_limit * 1000:.0f} ms"
    )
    pace = (
        "Telegram's"
        if o.limit == TELEGRAM_LIMIT
        else "scaled from Telegram's 30 (tests/bench/paced_balai.py)"
    )
    say(
        f"Bot's message limit {o.limit:g}/s ({pace}); the Splitter sends "
        f"{'every tenth update to two workers' if o.duplicates else 'each update to one worker'}"
        f"; {o.concurrency or 'default'} updates at a time per worker"
    )
    say(
        f"Machine: {result.cores} cores, load average {result.load[0]:.2f} at the end "
        "(fake API, residents, PostgreSQL and the workers share them)"
    )
    for run in result.runs:
        say()
        say(f"{_workers(run.workers)}:")
        say("  " + HEADER)
        for step, ok in zip(run.steps, run.passed, strict=True):
            say("  " + _row(step) + ("" if ok else "  <- p95 over the limit"))
        where = (
            f"p95 passed {o.p95_limit * 1000:.0f} ms at {run.stopped_at:g}/s offered"
            if run.stopped_at is not None
            else "every step within the limit: offer more (--rates)"
        )
        say(f"  sustains {run.sustained:.1f} updates/s ({where})")
        if run.failed_posts:
            say(f"  {run.failed_posts} webhook posts failed")
        if run.logged:
            say(
                f"  the workers logged {run.logged} lines of warnings or errors: "
                f"data/bench-workers-{run.workers}-worker-*.log"
            )
    if len(result.runs) >= 2 and {1, 2} <= {r.workers for r in result.runs}:
        mark = "met" if result.met else "NOT met"
        say()
        say(
            f"Sustained: 1 worker {result.rate(1):.1f}/s, 2 workers {result.rate(2):.1f}/s; "
            f"2/1 = {result.ratio:.2f}x (target >= {o.target:g}x) [{mark}]"
        )


# --- the command line ----------------------------------------------------------------------
def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(part) for part in text.split(",") if part.strip())


def parse(argv: Sequence[str]) -> Options:
    d = Options()
    parser = argparse.ArgumentParser(
        prog="make bench-workers", description="One and two webhook workers on PostgreSQL."
    )
    parser.add_argument("--workers", default=",".join(str(n) for n in d.workers))
    parser.add_argument(
        "--rates", default=",".join(f"{r:g}" for r in d.rates), help="offered updates/s"
    )
    parser.add_argument("--step", type=float, default=d.step, help="seconds per step")
    parser.add_argument("--users", type=int, default=d.users)
    parser.add_argument("--api-delay", type=float, default=d.api_delay, help="ms per call")
    parser.add_argument("--p95-limit", type=float, default=d.p95_limit * 1000, help="ms")
    parser.add_argument("--limit", type=float, default=d.limit, help="bot's messages/s")
    parser.add_argument("--target", type=float, default=d.target)
    parser.add_argument("--answer-timeout", type=float, default=d.answer_timeout)
    parser.add_argument("--duplicates", action="store_true", help="every tenth update twice")
    parser.add_argument(
        "--concurrency", type=int, default=None, help="BALAI_CONCURRENT_UPDATES per worker"
    )
    parser.add_argument("--rng-seed", type=int, default=d.rng_seed)
    parser.add_argument(
        "--database-url", default=None, help="a PostgreSQL server (default: a throwaway one)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)
    return Options(
        workers=tuple(int(n) for n in _floats(args.workers)),
        rates=_floats(args.rates),
        step=args.step,
        users=args.users,
        api_delay=args.api_delay,
        p95_limit=args.p95_limit / 1000,
        limit=args.limit,
        target=args.target,
        answer_timeout=args.answer_timeout,
        duplicates=args.duplicates,
        concurrency=args.concurrency,
        rng_seed=args.rng_seed,
        database_url=args.database_url,
        check=args.check,
    )


def main(argv: Sequence[str]) -> int:
    options = parse(argv)
    if options.database_url:
        result = asyncio.run(run_workers_bench(options, options.database_url))
    else:
        from tests.pg_cluster import PostgresMissing, cluster

        try:
            with cluster() as (url, data):
                pid = int((data / "postmaster.pid").read_text().split()[0])
                result = asyncio.run(run_workers_bench(options, url, pid))
        except PostgresMissing as exc:
            print(exc, file=sys.stderr)
            return 2
    report(result)
    return 1 if options.check and not result.met else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
