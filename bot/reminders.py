"""The case watch: every minute, queue reminders, escalations and follow-up questions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flows.cases.commands import card_of_topic
from flows.engine.context import Services
from flows.engine.delivery import queue

log = logging.getLogger(__name__)


# How often the case watch looks for reminders, escalations and follow-ups.
CASE_WATCH_SECONDS = 60.0


class CaseWatch:
    def __init__(
        self,
        services: Services,
        sessions: async_sessionmaker[AsyncSession],
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._services = services
        self._sessions = sessions
        # Told after messages were queued, so the outbox sends them without waiting.
        self._on_queued = on_queued

    async def run_once(self) -> int:
        """Queue what is due now; the same transaction marks it as done."""
        async with self._sessions() as session, session.begin():
            messages = []
            for timer in self._services.catalog.timers:
                messages += await timer(self._services, session)
            for message in messages:
                await queue(session, message, self._services.clock())
        if messages:
            self._on_queued()
        return len(messages)


async def refresh_held_card(
    services: Services,
    sessions: async_sessionmaker[AsyncSession],
    wake: asyncio.Event,
    topic: str,
) -> None:
    """Redraw the card of a case whose message to a resident began or stopped waiting."""
    async with sessions() as session, session.begin():
        messages = await card_of_topic(services, session, topic)
        for message in messages:
            await queue(session, message, services.clock())
    if messages:
        wake.set()
