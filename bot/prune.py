"""The outbox pruner: every hour, delete delivered messages older than the kept days."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flows.cases.card import CARD_PREFIX
from flows.residents.verification import CITIZEN_CARD_PREFIX
from storage import outbox

log = logging.getLogger(__name__)

# Small batches, each its own transaction: a first prune of a year's rows never holds
# SQLite's one write lock for long, and residents' messages get it between batches.
BATCH = 500
BETWEEN_BATCHES_SECONDS = 0.05
# Officials' cards stay: an edit or a reply to one, even months later, finds it by its key,
# and a resident deleting their data has their cards in the admin chat replaced.
KEEP_PREFIXES = (CARD_PREFIX, CITIZEN_CARD_PREFIX)


class OutboxPruner:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        keep: timedelta,
        *,
        batch: int = BATCH,
        pause: float = BETWEEN_BATCHES_SECONDS,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._keep = keep
        self._batch = batch
        self._pause = pause

    async def run_once(self) -> int:
        """Delete what is old enough, batch by batch; return how many rows went.

        Deleting is the same whoever does it, so several workers may run it at once.
        """
        before = self._clock() - self._keep
        total = 0
        while True:
            async with self._sessions() as session, session.begin():
                deleted = await outbox.prune_delivered(session, before, self._batch, KEEP_PREFIXES)
            total += deleted
            if deleted < self._batch:
                break
            await asyncio.sleep(self._pause)
        if total:
            log.info("pruned %d delivered outbox message(s)", total)
        return total

    async def run(self, stop: asyncio.Event, every_seconds: float = 3600.0) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("outbox prune failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_seconds)
