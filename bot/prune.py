"""The pruner: every hour, delete delivered outbox messages older than the kept days, and
the receipts of handled messages once no chat app redelivers them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import outbox, receipts

log = logging.getLogger(__name__)

# Small batches, each its own transaction: a first prune of a year's rows never holds
# SQLite's one write lock for long, and residents' messages get it between batches.
BATCH = 500
BETWEEN_BATCHES_SECONDS = 0.05
# Telegram keeps an unconfirmed update for 24 hours; Meta retries a webhook it could not
# deliver for up to 7 days. A receipt must outlive both, or a late redelivery is handled twice.
KEEP_RECEIPTS = timedelta(days=8)


PRUNE_SECONDS = 3600.0


class Pruner:
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
        now = self._clock()
        messages = await self._in_batches(
            # Officials' cards stay (storage.outbox): an edit or a reply to one, even months
            # later, finds it, and a resident deleting their data has their cards replaced.
            lambda session: outbox.prune_delivered(session, now - self._keep, self._batch)
        )
        handled = await self._in_batches(
            lambda session: receipts.prune(session, now - KEEP_RECEIPTS, self._batch)
        )
        if messages or handled:
            log.info("pruned %d delivered message(s), %d receipt(s)", messages, handled)
        return messages + handled

    async def _in_batches(self, prune: Callable[[AsyncSession], Awaitable[int]]) -> int:
        total = 0
        while True:
            async with self._sessions() as session, session.begin():
                deleted = await prune(session)
            total += deleted
            if deleted < self._batch:
                return total
            await asyncio.sleep(self._pause)
