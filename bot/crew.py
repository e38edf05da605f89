"""Several `balai run` workers on one PostgreSQL database: who leads, and one flood limit.

Each worker writes a heartbeat four times a second with the Telegram messages it sent
in its last second. From the others' heartbeats it learns:
- how much of the bot's one limit (about 30/s, however many workers) they use: its own
  send window (handlers/telegram/limiter.py) gets what they leave;
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
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import workers

log = logging.getLogger(__name__)

BEAT_SECONDS = 0.25
# A worker not heard from for this long is taken for dead.
SILENT_AFTER = timedelta(seconds=3)


class Window(Protocol):
    """What a worker counts its Telegram messages in (handlers.telegram.limiter.SendWindow)."""

    def count(self) -> int: ...

    def share(self, others: int) -> None: ...


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
        self.id = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
        self.started_at = clock()
        # Nobody leads before the first heartbeat says who does.
        self.leading = False

    def leads(self) -> bool:
        return self.leading

    async def beat(self) -> None:
        """Tell the others this worker is alive and what it sent; learn the same of them."""
        now = self._clock()
        sent = self._window.count() if self._window is not None else 0
        async with self._sessions() as session, session.begin():
            await workers.beat(session, self.id, self.started_at, now, sent)
            crew = await workers.alive(session, now - SILENT_AFTER)
            leading = bool(crew) and crew[0].id == self.id
            if leading:
                await workers.forget_silent(session, now - 10 * SILENT_AFTER)
        if leading != self.leading:
            log.info("this worker %s leads", "now" if leading else "no longer")
        self.leading = leading
        if self._window is not None:
            self._window.share(sum(w.sent for w in crew if w.id != self.id))

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    await self.beat()
                except Exception:
                    # Not knowing the others, lead nothing: two leaders would be worse.
                    log.exception("heartbeat failed")
                    self.leading = False
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._every)
        finally:
            self.leading = False
            with contextlib.suppress(Exception):
                async with self._sessions() as session, session.begin():
                    await workers.leave(session, self.id)
