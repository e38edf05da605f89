"""Several `balai run` workers on one PostgreSQL database: who leads, and one flood limit.

Each worker writes a heartbeat four times a second. From the others' heartbeats it learns:
- its share of the bot's one limit (about 30 messages/s, however many workers): each
  worker holds a share and says what it wants; the shares held never add up to more
  than the limit. A worker lowers its share at once (never below what it sent in the
  last second) and raises it only into what the others' shares leave, one worker at a
  time (a lock), so no two raise into the same room. The limit is split fairly among
  what the workers want (a worker whose share held a message back wants all of it).
  A worker killed holds its share until it is taken for dead, long after its last
  message left the second.
- whether it leads: the longest-running worker heard from in the last few seconds runs
  the timers (case watch, announcement dispatcher, pruner) and sends announcements. A
  leader killed falls silent, and the next in line takes over within SILENT_AFTER.
Every worker handles updates and delivers cards and notifications from the shared outbox.
SQLite has one process: it needs none of this, and writes no heartbeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import workers

log = logging.getLogger(__name__)

BEAT_SECONDS = 0.25
# A worker not heard from for this long is taken for dead.
SILENT_AFTER = timedelta(seconds=3)
# A worker that could not tell the others it is alive for this long sends nothing until
# it can: soon they take it for dead and share out what it held. (The margin covers a
# message it sent just before: it stays in the second for one more second.)
UNHEARD_AFTER = SILENT_AFTER.total_seconds() - 1.5
# What a worker asks for beyond what it sent in the last second: a few replies at once
# need not wait for its next heartbeat.
HEADROOM = 5


class Window(Protocol):
    """What a worker counts its Telegram messages in (handlers.telegram.limiter.SendWindow)."""

    @property
    def limit(self) -> int: ...

    def count(self) -> int: ...

    def allow(self, share: int) -> None: ...

    def wants(self, headroom: int) -> int: ...


def fair_share(limit: int, mine: int, others: Sequence[int]) -> int:
    """This worker's part of `limit` split max-min fairly among what each wants: what
    nobody wants is split equally; short of the limit, nobody gets more than they want,
    and what one leaves goes to the others in equal parts."""
    wants = sorted([mine, *others])
    if sum(wants) <= limit:
        return mine + (limit - sum(wants)) // len(wants)
    left = float(limit)
    for n, want in enumerate(wants):
        level = left / (len(wants) - n)
        if want >= level:
            return int(min(mine, level))
        left -= want
    return mine


class Crew:
    """This worker among those sharing the database."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        window: Window | None = None,
        *,
        every: float = BEAT_SECONDS,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._window = window
        self._every = every
        self._held = 0
        self._heard_at = time.monotonic()
        if window is not None:
            window.allow(0)  # nothing until the others have been asked
        self.id = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
        self.started_at = clock()
        # Nobody leads before the first heartbeat says who does.
        self.leading = False

    def leads(self) -> bool:
        return self.leading

    async def beat(self) -> None:
        """Tell the others this worker is alive, and the share it wants; learn the same of
        them, and take this worker's share of the limit."""
        now = self._clock()
        window = self._window
        wants = window.wants(HEADROOM) if window is not None else 0
        async with self._sessions() as session, session.begin():
            await workers.hold_the_shares(session)
            others = [
                w for w in await workers.alive(session, now - SILENT_AFTER) if w.id != self.id
            ]
            held = 0
            if window is not None:
                fair = fair_share(window.limit, wants, [w.wants for w in others])
                if fair < self._held:
                    # Never below what it sent in the last second, counted now: it kept
                    # sending while this heartbeat waited for the lock.
                    held = max(fair, window.count())
                    window.allow(held)  # lowered before the others can see it
                else:
                    held = max(self._held, min(fair, window.limit - sum(w.holds for w in others)))
            await workers.beat(session, self.id, self.started_at, now, held, wants)
            crew = await workers.alive(session, now - SILENT_AFTER)
            leading = bool(crew) and crew[0].id == self.id
            if leading:
                await workers.forget_silent(session, now - 10 * SILENT_AFTER)
        self._held = held
        self._heard_at = time.monotonic()
        if window is not None:
            window.allow(held)
        if leading != self.leading:
            log.info("this worker %s leads", "now" if leading else "no longer")
        self.leading = leading

    def _unheard(self) -> None:
        """The heartbeat failed: lead nothing (two leaders would be worse), and send
        nothing once the others may take this worker for dead."""
        self.leading = False
        if self._window is not None and time.monotonic() - self._heard_at > UNHEARD_AFTER:
            self._window.allow(0)
            self._held = 0

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    # A heartbeat stuck on the database fails like one refused: the others
                    # will soon take this worker for dead.
                    await asyncio.wait_for(self.beat(), UNHEARD_AFTER)
                except Exception:
                    log.exception("heartbeat failed")
                    self._unheard()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._every)
        finally:
            self.leading = False
            with contextlib.suppress(Exception):
                async with self._sessions() as session, session.begin():
                    await workers.leave(session, self.id)
