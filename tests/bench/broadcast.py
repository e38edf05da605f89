"""`make bench-broadcast`: one announcement to N residents against a fake Bot API that
enforces Telegram's limits, residents typing meanwhile, then the same with a `kill -9`
halfway and a restart.

See "The broadcast part" in tests/bench/README.md for what is measured and how.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from aiohttp import web
from sqlalchemy import select

from handlers.telegram.limiter import REPLY_RESERVE, SPARE_UNLESS_SOON
from tests.bench.api import ANSWER_METHODS, MESSAGE_METHODS, BotSide, FakeBotApi, _json, _params
from tests.bench.run import EXAMPLE_CONFIG, HERE, ROOT, BenchError, _percentile, _tail
from tests.bench.seed import SEEDED_USER_IDS, insert_residents

# Telegram's overall limit for a bot, messages per second.
TELEGRAM_LIMIT = 30.0
# The most of the limit announcements can take: the bot's send window keeps REPLY_RESERVE
# of it for replies, and announcements get what the rest of the bot leaves of the others.
ANNOUNCEMENT_SHARE = (TELEGRAM_LIMIT - REPLY_RESERVE) / TELEGRAM_LIMIT
# What the fake allows one chat: Telegram's "about one message per second", with the short
# burst Telegram tolerates; groups 20 per minute.
CHAT_RATE, CHAT_BURST = 1.0, 3.0
GROUP_RATE, GROUP_BURST = 20 / 60, 20.0
# A word only the announcement holds: tells its deliveries from replies in the same chat.
MARKER = "KERJABAKTI7"
ANNOUNCEMENT_TEXT = (
    f"Kerja bakti membersihkan saluran air hari Minggu pukul 07.00, kumpul di balai desa. "
    f"Bawa cangkul dan karung. ({MARKER})"
)
TYPED = ("/menu", "/bantuan")
# Balai's claim on an outbox message it began to send (storage/outbox.py CLAIM_TIMEOUT).
BALAI_CLAIM_SECONDS = 120.0
SETTLED = ("sent", "unreachable", "failed")


@dataclass
class Options:
    residents: int = 10_000
    limit: float = TELEGRAM_LIMIT
    typists: int = 200
    typing_rate: float = 3.0
    baseline: float = 30.0
    blocked: float = 0.02
    errors: float = 0.01
    crash: bool = True
    claim_timeout: float | None = None  # seconds; None: Balai's own (2 minutes)
    answer_timeout: float = 15.0
    rng_seed: int = 1
    check: bool = False
    quiet: bool = False


@dataclass
class Typed:
    """One update a typing resident sent, and when the bot's answer arrived."""

    user_id: int
    pushed_at: float
    answered_at: float | None = None

    @property
    def latency_ms(self) -> float:
        if self.answered_at is None:
            return math.inf
        return (self.answered_at - self.pushed_at) * 1000


class Bucket:
    """A token bucket: `rate` per second, at most `burst` at once."""

    __slots__ = ("at", "burst", "rate", "tokens")

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate, self.burst, self.tokens, self.at = rate, burst, burst, now

    def take(self, now: float) -> float:
        """0 if a message may go now (and counts it), else the seconds to wait."""
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class LimitedApi(FakeBotApi):
    """The bench's fake Bot API, with Telegram's limits on every message sent or edited:
    at most `limit` in any one second overall, about one a second per chat (429 with
    retry_after beyond either); 403 for the blocked chats; 5xx for a share of calls."""

    def __init__(
        self,
        side: BotSide,
        limit: float,
        blocked: set[int],
        error_rate: float,
        rng_seed: int,
    ) -> None:
        super().__init__([side])
        self.side = side
        self.limit = limit
        self.blocked = blocked
        self.error_rate = error_rate
        self.rng = random.Random(f"{rng_seed}:errors")  # noqa: S311 (not secrets)
        self._window: deque[float] = deque()
        self._chats: dict[int, Bucket] = {}
        # What the bench reads afterwards.
        self.delivered: Counter[int] = Counter()  # announcements accepted, per chat
        self.announcement_calls: list[float] = []  # admitted (not 429) announcement calls
        self.message_calls: list[float] = []  # every admitted message call
        self.throttled: Counter[str] = Counter()  # 429s, "announcement" or "other"
        self.forbidden: set[int] = set()  # chats answered 403 for the announcement
        self.server_errors = 0

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method not in MESSAGE_METHODS or request.match_info["token"] != self.side.token:
            return await super()._handle(request)
        arrived = time.monotonic()
        params = await _params(request)
        chat_id = int(params.get("chat_id") or 0)
        text = str(params.get("text") or params.get("caption") or "")
        announcement = method == "sendMessage" and MARKER in text
        self.side.calls[method] = self.side.calls.get(method, 0) + 1
        wait = self._admit(chat_id, arrived)
        if wait:
            self.throttled["announcement" if announcement else "other"] += 1
            seconds = max(1, math.ceil(wait))
            return _json(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {seconds}",
                    "parameters": {"retry_after": seconds},
                },
                429,
            )
        self.message_calls.append(arrived)
        if announcement:
            self.announcement_calls.append(arrived)
        if chat_id in self.blocked:
            if announcement:
                self.forbidden.add(chat_id)
            return _json(
                {
                    "ok": False,
                    "error_code": 403,
                    "description": "Forbidden: bot was blocked by the user",
                },
                403,
            )
        if self.rng.random() < self.error_rate:
            self.server_errors += 1
            return _json(
                {"ok": False, "error_code": 500, "description": "Internal Server Error"}, 500
            )
        if announcement:
            self.delivered[chat_id] += 1
        return _json({"ok": True, "result": self._answer(self.side, method, params, arrived)})

    def _admit(self, chat_id: int, now: float) -> float:
        """0 when the limits let this message through (and count it), else seconds to wait."""
        window = self._window
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= self.limit:
            return window[0] + 1.0 - now
        bucket = self._chats.get(chat_id)
        if bucket is None:
            private = chat_id > 0
            bucket = self._chats[chat_id] = Bucket(
                CHAT_RATE if private else GROUP_RATE, CHAT_BURST if private else GROUP_BURST, now
            )
        wait = bucket.take(now)
        if wait:
            return wait
        window.append(now)
        return 0.0


class Typing:
    """Residents typing: each a closed loop (waits for the answer, then a second, and its
    next message is not before its next Poisson time), `rate` updates/s in all."""

    def __init__(self, side: BotSide, user_ids: list[int], rate: float, rng_seed: int) -> None:
        self.side = side
        self.user_ids = user_ids
        self.rate = rate
        self.rng_seed = rng_seed
        self.typed: list[Typed] = []
        self._waiting: dict[int, Typed] = {}
        self._answered = {uid: asyncio.Event() for uid in user_ids}
        self._tasks: list[asyncio.Task[None]] = []
        # Python 3.11's wait_for can swallow a cancel that comes as the answer does: the
        # loop also looks at this, or such a resident would go on typing after `stop`.
        self._stopped = False
        self._sent = Counter[int]()
        side.on_message = self.on_message

    def on_message(
        self,
        _side: BotSide,
        method: str,
        chat_id: int,
        message: dict[str, Any],
        _markup: Any,
        arrived: float,
    ) -> None:
        if method not in ANSWER_METHODS or MARKER in str(message.get("text") or ""):
            return
        pending = self._waiting.pop(chat_id, None)
        if pending is not None:
            pending.answered_at = arrived
            self._answered[chat_id].set()

    def start(self, answer_timeout: float) -> None:
        self._tasks = [
            asyncio.create_task(self._resident(uid, i, answer_timeout))
            for i, uid in enumerate(self.user_ids)
        ]

    async def stop(self) -> None:
        self._stopped = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _resident(self, user_id: int, index: int, answer_timeout: float) -> None:
        rng = random.Random(f"{self.rng_seed}:typist:{index}")  # noqa: S311 (not secrets)
        per_resident = self.rate / len(self.user_ids)
        due = time.monotonic() + rng.expovariate(per_resident)
        ready = 0.0
        answered = self._answered[user_id]
        while not self._stopped:
            delay = max(due, ready) - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            typed = Typed(user_id, time.monotonic())
            self.typed.append(typed)
            self._waiting[user_id] = typed
            answered.clear()
            self.side.push(self._update(user_id, rng.choice(TYPED)))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(answered.wait(), answer_timeout)
            self._waiting.pop(user_id, None)
            ready = (typed.answered_at or time.monotonic()) + 1.0
            due += rng.expovariate(per_resident)

    def _update(self, user_id: int, text: str) -> dict[str, Any]:
        self._sent[user_id] += 1
        user = {"id": user_id, "is_bot": False, "first_name": "Warga", "language_code": "id"}
        return {
            "message": {
                "message_id": self._sent[user_id],
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private", "first_name": "Warga"},
                "from": user,
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
            }
        }


@dataclass
class RunFigures:
    """What one broadcast (clean, or killed halfway and restarted) measured."""

    name: str
    residents: int
    limit: float
    finished: bool
    seconds: float  # first announcement call to the last admitted one, downtime excluded
    downtime: float
    announcement_calls: int
    delivered: int
    message_calls: int
    throttled: dict[str, int]
    forbidden: int
    forbidden_marked: int
    unreachable: int
    server_errors: int
    duplicates: int
    lost: int
    statuses: dict[str, int]
    p50_ms: float
    p95_ms: float
    typed: int
    unanswered: int
    killed_after: int = 0
    reply_throttled: int = 0

    @property
    def announcement_rate(self) -> float:
        return self.announcement_calls / self.seconds if self.seconds else 0.0

    @property
    def whole_rate(self) -> float:
        return self.message_calls / self.seconds if self.seconds else 0.0


@dataclass
class Target:
    text: str
    met: bool


@dataclass
class Result:
    options: Options
    baseline_p50_ms: float
    baseline_p95_ms: float
    baseline_typed: int
    runs: list[RunFigures]
    targets: list[Target] = field(default_factory=list)
    seed_seconds: float = 0.0

    @property
    def all_met(self) -> bool:
        return all(t.met for t in self.targets)


# --- one run -------------------------------------------------------------------------------
def _balai_command(options: Options) -> list[str]:
    if options.limit != TELEGRAM_LIMIT:
        return [sys.executable, str(HERE / "paced_balai.py"), f"{options.limit:g}"]
    script = Path(sys.executable).parent / "balai"
    return [str(script), "run"] if script.exists() else [sys.executable, "-m", "bot", "run"]


async def _start_balai(
    options: Options, api: LimitedApi, database_url: str, log_path: Path
) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BALAI_")}
    env.update(
        {
            "BALAI_TELEGRAM_TOKEN": api.side.token,
            "BALAI_TELEGRAM_API_URL": api.url,
            "BALAI_DATABASE_URL": database_url,
            "BALAI_CONFIG": str(EXAMPLE_CONFIG),
            "BALAI_LOG_LEVEL": "WARNING",
        }
    )
    if options.claim_timeout is not None:
        env["BALAI_OUTBOX_CLAIM_SECONDS"] = f"{options.claim_timeout:.0f}"
    api.side.polling.clear()
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            *_balai_command(options),
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120
    while not api.side.polling.is_set():
        if process.returncode is not None:
            raise BenchError(f"Balai exited at startup:\n{_tail(log_path)}")
        if time.monotonic() > deadline:
            raise BenchError("Balai did not start polling within 120 s")
        await asyncio.sleep(0.05)
    return process


async def _seed(database_url: str, count: int, rng_seed: int) -> tuple[int, float]:
    """Migrate and fill a fresh database; returns the village's id and the seconds taken."""
    from bot.config import load_villages
    from storage import villages as village_rows
    from storage.db import create_engine, session_factory
    from storage.migrate import upgrade_to_head

    started = time.monotonic()
    await upgrade_to_head(database_url)
    village = load_villages(EXAMPLE_CONFIG).all()[0]
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            ids = await village_rows.sync(session, [(village.code, village.name)])
        village_id = ids[village.code]
        now = datetime.now(UTC).replace(microsecond=0)
        rng = random.Random(rng_seed)  # noqa: S311 (made-up data, not secrets)
        async with engine.begin() as connection:
            await insert_residents(
                connection, village, village_id, count, rng, now, topics=("umum", "darurat")
            )
    finally:
        await engine.dispose()
    return village_id, time.monotonic() - started


async def _announce(sessions: Any, village_id: int) -> int:
    """The announcement an official composed, due now: Penting (no quiet hours), Umum."""
    from bot.config import load_villages
    from storage.models import Announcement

    admin = str(load_villages(EXAMPLE_CONFIG).all()[0].admin_chat_id)
    now = datetime.now(UTC).replace(microsecond=0)
    async with sessions() as session, session.begin():
        row = Announcement(
            code="PGM-BNCH",
            village_ids=[village_id],
            admin_chat_id=admin,
            author_id="77",
            author_name="Pak Kades",
            kind="important",
            topic="umum",
            audience={},
            text=ANNOUNCEMENT_TEXT,
            status="scheduled",
            send_at=now,
            expires_at=now + timedelta(days=7),
            created_at=now,
        )
        session.add(row)
        await session.flush()
        return int(row.id)


async def _status(sessions: Any, announcement_id: int) -> str:
    from storage.models import Announcement

    async with sessions() as session:
        found = await session.scalar(
            select(Announcement.status).where(Announcement.id == announcement_id)
        )
    return str(found)


async def _deliveries(sessions: Any, announcement_id: int) -> dict[int, str]:
    """chat id -> delivery status."""
    from storage.models import AnnouncementDelivery

    async with sessions() as session:
        rows = await session.execute(
            select(AnnouncementDelivery.chat_id, AnnouncementDelivery.status).where(
                AnnouncementDelivery.announcement_id == announcement_id
            )
        )
        return {int(chat): str(status) for chat, status in rows}


async def broadcast_run(
    options: Options,
    *,
    crash: bool,
    baseline: float,
    say: Any,
) -> tuple[RunFigures, list[Typed], float]:
    """One fresh database, one Balai, one announcement; returns the figures, the updates
    typed before the announcement, and the seconds seeding took."""
    from storage.db import create_engine, session_factory

    rng = random.Random(options.rng_seed)  # noqa: S311 (not secrets)
    chats = [SEEDED_USER_IDS + n for n in range(options.residents)]
    typists = rng.sample(chats, min(options.typists, options.residents))
    others = sorted(set(chats) - set(typists))
    blocked = set(rng.sample(others, round(options.blocked * options.residents)))
    side = BotSide("Balai", "111111:BALAI-BROADCAST", 111111, "balai_bench_bot")
    api = LimitedApi(side, options.limit, blocked, options.errors, options.rng_seed)
    typing = Typing(side, typists, options.typing_rate, options.rng_seed)
    name = "killed halfway and restarted" if crash else "clean"
    with tempfile.TemporaryDirectory(prefix="balai-bench-broadcast-") as tmp:
        tmpdir = Path(tmp)
        database_url = f"sqlite+aiosqlite:///{tmpdir / 'broadcast.db'}"
        say(f"[{name}] seeding {options.residents} residents ...")
        village_id, seed_seconds = await _seed(database_url, options.residents, options.rng_seed)
        engine = create_engine(database_url)
        sessions = session_factory(engine)
        log_path = tmpdir / "balai.log"
        await api.start()
        process: asyncio.subprocess.Process | None = None
        downtime, killed_after, restarted_at, killed_at = 0.0, 0, 0.0, 0.0
        try:
            process = await _start_balai(options, api, database_url, log_path)
            await asyncio.sleep(1.0)
            typing.start(options.answer_timeout)
            if baseline:
                say(f"[{name}] residents typing, no broadcast, {baseline:g} s ...")
                await asyncio.sleep(baseline)
            before = len(typing.typed)
            announcement_id = await _announce(sessions, village_id)
            expected = options.residents / (options.limit * ANNOUNCEMENT_SHARE)
            say(
                f"[{name}] announcement to {options.residents} residents "
                f"(about {expected:.0f} s at {options.limit * ANNOUNCEMENT_SHARE:g}/s) ..."
            )
            claim = (
                options.claim_timeout if options.claim_timeout is not None else BALAI_CLAIM_SECONDS
            )
            deadline = time.monotonic() + 2 * expected + claim + 120
            if crash:
                while len(api.announcement_calls) < options.residents // 2:
                    if time.monotonic() > deadline or process.returncode is not None:
                        raise BenchError(f"the broadcast did not reach halfway:\n{_tail(log_path)}")
                    await asyncio.sleep(0.02)
                killed_at = time.monotonic()
                killed_after = sum(api.delivered.values())
                process.kill()  # kill -9: no shutdown, whatever was in flight stays so
                await process.wait()
                say(f"[{name}] kill -9 after {killed_after} deliveries; restarting ...")
                process = await _start_balai(options, api, database_url, log_path)
                restarted_at = time.monotonic()
                downtime = restarted_at - killed_at
            finished, status = False, ""
            while time.monotonic() < deadline:
                if process.returncode is not None:
                    raise BenchError(f"Balai exited mid-broadcast:\n{_tail(log_path)}")
                with contextlib.suppress(TimeoutError):
                    status = await asyncio.wait_for(_status(sessions, announcement_id), 10)
                if status in ("done", "stopped"):
                    finished = True
                    break
                await asyncio.sleep(1.0)
            await typing.stop()
            statuses = await _deliveries(sessions, announcement_id)
        finally:
            await typing.stop()
            if process is not None and process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 20)
                except TimeoutError:
                    process.kill()
                    await process.wait()
            await engine.dispose()
            await api.stop()
    calls = api.announcement_calls
    first, last = (calls[0], calls[-1]) if calls else (0.0, 0.0)

    def during(t: Typed) -> bool:
        if not first <= t.pushed_at <= last:
            return False
        # Not those the kill caught in flight or that came while Balai was down.
        end = t.answered_at if t.answered_at is not None else math.inf
        return not (crash and t.pushed_at < restarted_at and end > killed_at)

    latencies = sorted(t.latency_ms for t in typing.typed if during(t))
    delivered = api.delivered
    forbidden_marked = sum(1 for chat in api.forbidden if statuses.get(chat) == "unreachable")
    lost = sum(
        1
        for chat in chats
        if delivered[chat] == 0 and statuses.get(chat) not in ("unreachable", "failed")
    )
    figures = RunFigures(
        name=name,
        residents=options.residents,
        limit=options.limit,
        finished=finished,
        seconds=max(last - first - downtime, 0.0),
        downtime=downtime,
        announcement_calls=len(calls),
        delivered=sum(1 for chat in chats if delivered[chat]),
        message_calls=sum(1 for t in api.message_calls if first <= t <= last),
        throttled=dict(api.throttled),
        forbidden=len(api.forbidden),
        forbidden_marked=forbidden_marked,
        unreachable=sum(1 for s in statuses.values() if s == "unreachable"),
        server_errors=api.server_errors,
        duplicates=sum(n - 1 for n in delivered.values() if n > 1),
        lost=lost,
        statuses=dict(Counter(statuses.values())),
        p50_ms=_percentile(latencies, 50),
        p95_ms=_percentile(latencies, 95),
        typed=len(latencies),
        unanswered=sum(1 for x in latencies if math.isinf(x)),
        killed_after=killed_after,
    )
    return figures, typing.typed[:before], seed_seconds


async def run_broadcast_bench(options: Options, out: TextIO = sys.stdout) -> Result:
    def say(text: str) -> None:
        if not options.quiet:
            print(text, file=out, flush=True)

    clean, quiet_typed, seed_seconds = await broadcast_run(
        options, crash=False, baseline=options.baseline, say=say
    )
    baseline = sorted(t.latency_ms for t in quiet_typed)
    runs = [clean]
    if options.crash:
        killed, _, _ = await broadcast_run(options, crash=True, baseline=0.0, say=say)
        runs.append(killed)
    result = Result(
        options,
        baseline_p50_ms=_percentile(baseline, 50),
        baseline_p95_ms=_percentile(baseline, 95),
        baseline_typed=len(baseline),
        runs=runs,
        seed_seconds=seed_seconds,
    )
    result.targets = _targets(result)
    return result


def _targets(result: Result) -> list[Target]:
    targets = []
    clean = result.runs[0]
    fraction = clean.whole_rate / clean.limit
    targets.append(
        Target(
            f"the bot's rate during the broadcast >= 0.95 x the limit ({clean.whole_rate:.1f}/s"
            f" = {fraction:.3f} x {clean.limit:g}/s; announcements "
            f"{clean.announcement_rate:.1f}/s)",
            fraction >= 0.95,
        )
    )
    for run in result.runs:
        crashed = run.downtime > 0
        if crashed:
            targets.append(
                Target(
                    f"{run.name}: duplicates within the stated crash window, the messages in "
                    f"flight at the kill (at most 1, one outbox worker): {run.duplicates}",
                    run.duplicates <= 1,
                )
            )
        else:
            targets.append(
                Target(f"{run.name}: 0 duplicates ({run.duplicates})", not run.duplicates)
            )
        targets.append(Target(f"{run.name}: 0 lost ({run.lost})", run.finished and not run.lost))
        targets.append(
            Target(
                f"{run.name}: every 403 marked unreachable ({run.forbidden_marked} of "
                f"{run.forbidden})",
                run.forbidden_marked == run.forbidden,
            )
        )
        targets.append(
            Target(
                f"{run.name}: reply p95 during the broadcast <= 1.5 x without it "
                f"({_ms(run.p95_ms)} vs {_ms(1.5 * result.baseline_p95_ms)} ms)",
                run.p95_ms <= 1.5 * result.baseline_p95_ms,
            )
        )
    return targets


# --- the report ----------------------------------------------------------------------------
def _ms(value: float) -> str:
    if math.isinf(value):
        return "inf"
    if math.isnan(value):
        return "n/a"
    return f"{value:.0f}"


def report(result: Result, out: TextIO = sys.stdout) -> None:
    o = result.options

    def line(label: str, *values: str) -> None:
        # A value wider than its column still keeps a space from the one before it.
        print(f"  {label:<44}" + "".join(f" {v:>15}" for v in values), file=out)

    print("", file=out)
    print(
        f"Broadcast bench: {o.residents} residents, fake limit {o.limit:g} messages/s overall "
        f"and 1/s per chat (burst {CHAT_BURST:g}), 403 for {o.blocked:.0%} of residents, 5xx "
        f"for {o.errors:.0%} of calls, {o.typists} residents typing {o.typing_rate:g}/s, rng "
        f"seed {o.rng_seed}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}",
        file=out,
    )
    print(f"  seeding {o.residents} residents took {result.seed_seconds:.1f} s", file=out)
    if o.limit != TELEGRAM_LIMIT:
        print(
            f"  Balai ran with every rate standing for Telegram's 30/s scaled by "
            f"{o.limit / TELEGRAM_LIMIT:g} (tests/bench/paced_balai.py)",
            file=out,
        )
    line("", *(run.name.split(" and ")[0] for run in result.runs))
    rows: list[tuple[str, Any]] = [
        ("finished (announcement done)", lambda r: "yes" if r.finished else "NO"),
        ("broadcast seconds (first to last call)", lambda r: f"{r.seconds:.1f}"),
        ("  Balai down (kill to polling again) s", lambda r: f"{r.downtime:.1f}"),
        ("announcement calls admitted (not 429)", lambda r: str(r.announcement_calls)),
        ("announcement rate /s", lambda r: f"{r.announcement_rate:.2f}"),
        ("  as a fraction of the limit", lambda r: f"{r.announcement_rate / r.limit:.3f}"),
        ("whole bot's message rate /s", lambda r: f"{r.whole_rate:.2f}"),
        ("  as a fraction of the limit", lambda r: f"{r.whole_rate / r.limit:.3f}"),
        ("residents who received it", lambda r: str(r.delivered)),
        ("duplicates (received twice)", lambda r: str(r.duplicates)),
        ("lost (neither received nor marked)", lambda r: str(r.lost)),
        ("403s given (blocked residents)", lambda r: str(r.forbidden)),
        ("  of them marked unreachable", lambda r: str(r.forbidden_marked)),
        ("deliveries marked unreachable", lambda r: str(r.unreachable)),
        ("429s: announcements", lambda r: str(r.throttled.get("announcement", 0))),
        ("429s: replies and cards", lambda r: str(r.throttled.get("other", 0))),
        ("5xx given", lambda r: str(r.server_errors)),
        ("delivery statuses", lambda r: _statuses(r.statuses)),
        ("typed during the broadcast", lambda r: str(r.typed)),
        ("  unanswered", lambda r: str(r.unanswered)),
        ("reply p50 ms during the broadcast", lambda r: _ms(r.p50_ms)),
        ("reply p95 ms during the broadcast", lambda r: _ms(r.p95_ms)),
        (
            "  / p95 without a broadcast",
            lambda r: f"{r.p95_ms / result.baseline_p95_ms:.2f}" if result.baseline_p95_ms else "",
        ),
    ]
    for label, value in rows:
        line(label, *(value(run) for run in result.runs))
    print(
        f"  without a broadcast: {result.baseline_typed} typed, reply p50 "
        f"{_ms(result.baseline_p50_ms)} ms, p95 {_ms(result.baseline_p95_ms)} ms",
        file=out,
    )
    for run in result.runs:
        if run.downtime:
            print(
                f"  {run.name}: killed after {run.killed_after} residents had it; replies typed "
                "while Balai was down or caught by the kill are left out of its p95",
                file=out,
            )
    print("Targets (issue 13):", file=out)
    for target in result.targets:
        print(f"  [{'met' if target.met else 'NOT met'}] {target.text}", file=out)
    print(
        "  The rate is the message calls the fake admitted (delivered, 403 or 5xx; not 429)\n"
        "  per second from the first announcement call to the last, over the limit: the limit\n"
        "  is the whole bot's, and the residents typing meanwhile take their part of it.\n"
        "  Announcements get what the bot's other messages of the last second leave of the\n"
        f"  limit less {REPLY_RESERVE}, and less one more unless another place frees within\n"
        f"  {SPARE_UNLESS_SOON * 1000:g} ms (handlers/telegram/limiter.py).",
        file=out,
    )


def _statuses(statuses: dict[str, int]) -> str:
    return " ".join(f"{k}:{v}" for k, v in sorted(statuses.items()))


def parse(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="make bench-broadcast ARGS=...",
        description="One announcement to N residents against a rate-limited fake Bot API.",
    )
    parser.add_argument("--residents", type=int, default=10_000, help="residents (10000)")
    parser.add_argument(
        "--limit", type=float, default=TELEGRAM_LIMIT, help="fake messages/s overall (30)"
    )
    parser.add_argument("--typists", type=int, default=200, help="residents who type (200)")
    parser.add_argument("--typing-rate", type=float, default=3.0, help="their updates/s in all (3)")
    parser.add_argument(
        "--baseline", type=float, default=180.0, help="seconds of typing without a broadcast (180)"
    )
    parser.add_argument("--blocked", type=float, default=0.02, help="share answered 403 (0.02)")
    parser.add_argument("--errors", type=float, default=0.01, help="share of calls 5xx (0.01)")
    parser.add_argument("--no-crash", action="store_true", help="skip the kill -9 run")
    parser.add_argument(
        "--claim-timeout",
        type=float,
        help="seconds before Balai offers a claimed message again (Balai's own: 120)",
    )
    parser.add_argument("--rng-seed", type=int, default=1)
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    if args.residents < 10 or args.limit <= 0 or args.typing_rate <= 0 or args.typists < 1:
        parser.error("--residents at least 10; --limit, --typing-rate, --typists positive")
    return Options(
        residents=args.residents,
        limit=args.limit,
        typists=args.typists,
        typing_rate=args.typing_rate,
        baseline=args.baseline,
        blocked=args.blocked,
        errors=args.errors,
        crash=not args.no_crash,
        claim_timeout=args.claim_timeout,
        rng_seed=args.rng_seed,
        check=args.check,
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(argv)
    try:
        result = asyncio.run(run_broadcast_bench(options))
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    report(result)
    return 1 if options.check and not result.all_met else 0


if __name__ == "__main__":
    raise SystemExit(main())
